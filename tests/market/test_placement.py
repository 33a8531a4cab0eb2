"""`core.compiled.insert_values` as placement uses it: an order's lines and reservations written from values, the rows the
model instances written with `core.compiled.insert` give."""

from decimal import Decimal

import pytest
from django.db import transaction

from ewtp.core.compiled import insert, insert_values
from ewtp.market import placement
from ewtp.market.models import OrderLine, StockReservation
from tests.market.test_checkout import AU, stocked  # noqa: F401 - the fixture
from tests.market.test_checkout_buy import scenarios  # noqa: F401 - the fixture


def _row(model, pk) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k != "id"}


@pytest.mark.parametrize("price", ["12.5", "0.0001", "1234567.1234"])
def test_values_write_the_rows_instances_write(scenarios, price):  # noqa: F811
    a, quantities, _ = scenarios[0]
    placed = placement.buy(a, quantities, AU)
    line = OrderLine.objects.filter(order__group=placed.group).order_by("pk").first()
    reservation = StockReservation.objects.filter(line=line).get()
    values = (line.order_id, line.variant_id, 3, Decimal(price), line.seller_currency, line.hs_code, line.origin,
              "Ünïcode title")
    with transaction.atomic():
        ids = insert_values(OrderLine, placement._LINE_FIELDS, [values, values])
        [ol] = insert([OrderLine(**dict(zip(placement._LINE_FIELDS, values, strict=True)))])
        assert ids[1] == ids[0] + 1 and ol.pk > ids[1]
        assert _row(OrderLine, ids[0]) == _row(OrderLine, ids[1]) == _row(OrderLine, ol.pk)
        [rid] = insert_values(StockReservation, ("line_id", "stock_id", "quantity"),
                                         [(ids[0], reservation.stock_id, 2)])
        [sr] = insert([StockReservation(line_id=ids[0], stock_id=reservation.stock_id, quantity=2)])
        assert _row(StockReservation, rid) == _row(StockReservation, sr.pk)
        assert _row(StockReservation, rid)["released"] is False


def test_values_name_every_field_without_a_default(db):
    with pytest.raises(TypeError):
        insert_values(StockReservation, ("line_id", "stock_id"), [(1, 1)])
    assert insert_values(StockReservation, ("line_id", "stock_id", "quantity"), []) == []
