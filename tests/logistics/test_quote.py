"""Route choice, prices in carrier currencies converted at the ECB reference, effective dates,
no-route errors, and the cached network of the day."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.core.errors import ValidationFailed
from ewtp.logistics.models import Carrier, Hub, Lane, RateTable
from ewtp.logistics.network import load_network
from ewtp.logistics.quote import quote_shipping
from ewtp.logistics.rates import ParcelSpec
from ewtp.rules.fx import ecb_rate

DAY = date(2026, 3, 2)


def _legs(q):
    return [(leg["kind"], leg["carrier"], leg["from"], leg["to"]) for leg in q.as_dict()["legs"]]


def test_cheapest_my_to_au_goes_by_post_and_fastest_by_express(network):
    parcel = [ParcelSpec(D("1.2"), D(30), D(20), D(10))]
    cheap = quote_shipping(parcel, "MY", "AU", on=DAY, currency="AUD")
    assert _legs(cheap) == [("first_mile", "POSMY", "MY", "KUL"), ("last_mile", "POSMY", "KUL", "AU")]
    # POSMY domestic 2026: 1.5 kg chargeable -> the 2 kg break, MYR 10.50; international (6000): 1.5 kg -> MYR 78
    legs = cheap.as_dict()["legs"]
    assert [(leg["price"], leg["currency"], leg["chargeable_kg"]) for leg in legs] == [
        ("10.50", "MYR", "1.5"), ("78.00", "MYR", "1.5")]
    rate = ecb_rate("MYR", "AUD", DAY).rate
    assert D(legs[0]["converted"]) == (D("10.50") * rate).quantize(D("0.01"))
    assert legs[0]["fx"]["source"] == "ECB" and D(legs[0]["fx"]["rate"]) == rate
    assert cheap.price.currency == "AUD" and cheap.price.amount == sum(D(leg["converted"]) for leg in legs)
    assert cheap.transit_days == D(7) and cheap.estimate.basis == "published"
    fast = quote_shipping(parcel, "MY", "AU", on=DAY, currency="AUD", prefer="fastest")
    assert _legs(fast)[-1][1] == "DHLX" and fast.transit_days == D(4) and fast.price > cheap.price
    assert cheap.routes_considered == fast.routes_considered == 2


def test_heavy_consignments_go_by_sea_when_cheapest_and_by_air_when_fastest(network):
    parcels = [ParcelSpec(D(30))] * 6  # 180 kg, no dimensions given
    cheap = quote_shipping(parcels, "CN", "DE", on=DAY, currency="EUR")
    assert [leg[1] for leg in _legs(cheap)] == ["CNPOST", "MAERSK", "BPOST"]
    fast = quote_shipping(parcels, "CN", "DE", on=DAY, currency="EUR", prefer="fastest")
    assert [leg[1] for leg in _legs(fast)] == ["CNPOST", "EWTPHUB", "DHLX"]
    haul = fast.as_dict()["legs"][1]
    # line-haul on the consolidated 180 kg: USD 120 up to 45 kg + 2.40 per started kg above
    assert haul["chargeable_kg"] == "180.0" and haul["price"] == "444.00" and haul["currency"] == "USD"


def test_a_light_parcel_does_not_pay_the_sea_minimum(network):
    q = quote_shipping([ParcelSpec(D("0.8"))], "CN", "DE", on=DAY, currency="EUR")
    assert [leg[1] for leg in _legs(q)] == ["CNPOST", "EWTPHUB", "BPOST"]


def test_effective_dates_change_the_price(network):
    p = [ParcelSpec(D("0.4"))]
    old = quote_shipping(p, "MY", "MY", on=date(2025, 6, 2), currency="MYR")
    new = quote_shipping(p, "MY", "MY", on=date(2026, 6, 2), currency="MYR")
    assert old.price.amount == D("11.00") and new.price.amount == D("12.00")  # 2 x 5.50 vs 2 x 6.00
    with pytest.raises(ValidationFailed) as exc:
        quote_shipping(p, "MY", "MY", on=date(2024, 6, 3), currency="MYR")  # before any table
    assert exc.value.code == "no_route"


def test_no_route_is_a_422_naming_the_corridor(network):
    with pytest.raises(ValidationFailed) as exc:
        quote_shipping([ParcelSpec(D(1))], "BR", "AU", on=DAY)
    assert exc.value.status == 422 and exc.value.code == "no_route" and "BR" in exc.value.message
    assert "destination" in exc.value.fields


def test_bad_input_names_the_fields(network):
    with pytest.raises(ValidationFailed) as exc:
        quote_shipping([ParcelSpec(D(0)), ParcelSpec(D(1), D(10), None, D(5))], "XX", "AU", currency="ABC",
                       prefer="slowest")
    assert {"origin", "currency", "prefer", "parcels[0].weight_kg", "parcels[1].dimensions"} <= set(exc.value.fields)


def test_quotes_use_the_cached_network_of_the_day(network):
    p = [ParcelSpec(D(1))]
    quote_shipping(p, "MY", "AU", on=DAY)
    with CaptureQueriesContext(connection) as ctx:
        for dest in ("AU", "NZ", "SG", "DE", "US"):
            quote_shipping(p, "MY", dest, on=DAY)
    assert len(ctx.captured_queries) == 0


def test_loading_twice_changes_nothing_and_an_edit_updates(network, tmp_path):
    counts = (Hub.objects.count(), Carrier.objects.count(), Lane.objects.count(), RateTable.objects.count())
    again = load_network()
    assert again.changed == 0
    assert counts == (Hub.objects.count(), Carrier.objects.count(), Lane.objects.count(), RateTable.objects.count())
    assert counts[0] == 3 and counts[1] == 6 and counts[2] > 80
    assert set(Carrier.objects.values_list("code", "code_table")) == {
        ("CNPOST", "upu_emsevt"), ("POSMY", "upu_emsevt"), ("BPOST", "upu_emsevt"), ("DHLX", "dhl_express"),
        ("MAERSK", "dcsa"), ("EWTPHUB", "ewtp_hub")}
    assert all(c.organisation.kind == "logistics" for c in Carrier.objects.select_related("organisation"))
    from ewtp.logistics.network import NETWORK_FILE

    edited = tmp_path / "network.toml"
    edited.write_text(NETWORK_FILE.read_text().replace('price = "78.00"', 'price = "79.00"'))
    before = quote_shipping([ParcelSpec(D("1.5"))], "MY", "AU", on=DAY, currency="MYR").price.amount
    assert load_network(edited).changed == 4  # the international table on its four lanes (SG in; SG, AU, NZ out)
    assert quote_shipping([ParcelSpec(D("1.5"))], "MY", "AU", on=DAY, currency="MYR").price.amount == before + 1


def test_every_demo_origin_reaches_every_rule_pack_destination(network):
    eu = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
          "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
    destinations = eu + ["GB", "US", "AU", "NZ", "CA", "SG", "MY", "CN", "JP", "NO", "CH"]
    origins = ["MY", "CN", "ID", "TH", "VN", "KE", "RW", "ET", "BE", "US", "SG", "JP"]
    for o in origins:
        for d in destinations:
            assert quote_shipping([ParcelSpec(D("0.5"))], o, d, on=DAY).price.amount > 0, (o, d)


def test_a_network_given_is_the_one_looked_up(network):
    from ewtp.logistics.snapshot import network_on

    parcel = [ParcelSpec(D("1.2"))]
    net = network_on(DAY)
    assert quote_shipping(parcel, "MY", "AU", on=DAY, currency="AUD", network=net).as_dict() == \
        quote_shipping(parcel, "MY", "AU", on=DAY, currency="AUD").as_dict()
    with pytest.raises(ValueError):
        quote_shipping(parcel, "MY", "AU", on=date(2026, 3, 3), network=net)
