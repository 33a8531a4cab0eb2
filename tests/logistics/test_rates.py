"""Weight breaks, volumetric weight and effective dates, on plain tables and on the loaded network."""

from datetime import date
from decimal import Decimal as D

import pytest

from ewtp.logistics.models import Lane, RateTable
from ewtp.logistics.rates import Break, ParcelSpec, Table, chargeable_kg, in_force, price_for, volumetric_kg

TABLE = Table(1, "MYR", date(2026, 1, 1), None, 5000, "test",
              (Break(D("0.5"), D("6.00")), Break(D(1), D("8.00")), Break(D(2), D("10.50")),
               Break(None, D("10.50"), D("2.00"))))


@pytest.mark.parametrize(("kg", "price"), [
    ("0.1", "6.00"), ("0.5", "6.00"), ("1", "8.00"), ("2", "10.50"), ("2.5", "12.50"), ("3", "12.50"), ("3.5", "14.50"), ("7.5", "22.50"),
])
def test_the_smallest_break_that_fits_and_per_started_kg_above_the_last(kg, price):
    assert price_for(TABLE, D(kg)) == D(price)


def test_a_table_without_an_open_break_has_no_price_above_it():
    closed = Table(2, "EUR", date(2025, 1, 1), None, 5000, "t", (Break(D(2), D("6.50")),))
    assert price_for(closed, D(2)) == D("6.50") and price_for(closed, D("2.5")) is None


def test_volumetric_weight_counts_when_greater_and_rounds_up_to_half_kg():
    light_box = ParcelSpec(D("1.2"), D(30), D(20), D(10))  # 6,000 cm3
    assert volumetric_kg(light_box, 5000) == D("1.2") and volumetric_kg(light_box, 1000) == D(6)
    assert chargeable_kg(light_box, 5000) == D("1.5")
    assert chargeable_kg(ParcelSpec(D("1.2"), D(50), D(40), D(30)), 5000) == D(12)  # 60,000 cm3 / 5000
    assert chargeable_kg(ParcelSpec(D("3.01")), 5000) == D("3.5")  # no dimensions: actual weight only
    assert chargeable_kg(ParcelSpec(D("3.0"), D(10), D(10), D(10)), 6000) == D(3)


def test_the_table_in_force_follows_effective_dates():
    old = Table(1, "USD", date(2025, 1, 1), date(2025, 12, 31), 5000, "2025", ())
    new = Table(2, "USD", date(2026, 1, 1), None, 5000, "2026", ())
    assert in_force([old, new], date(2025, 12, 31)) is old
    assert in_force([old, new], date(2026, 1, 1)) is new
    assert in_force([old, new], date(2024, 6, 1)) is None


def test_the_loaded_network_has_dated_versions_with_sources(network):
    lane = Lane.objects.get(kind=Lane.FIRST_MILE, carrier__code="POSMY", from_country="MY")
    tables = list(RateTable.objects.filter(lane=lane).order_by("effective_from"))
    assert [t.effective_from for t in tables] == [date(2025, 1, 1), date(2026, 1, 1)]
    assert tables[0].effective_to == date(2025, 12, 31) and tables[1].effective_to is None
    assert all(t.currency == "MYR" and "Sample contract rates modelled on" in t.source for t in tables)
    assert list(tables[1].breaks.order_by("pk").values_list("price", flat=True))[:2] == [D("6.00"), D("8.00")]
