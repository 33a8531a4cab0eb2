"""Stock follows the order: reserved at placement, given back on cancel, and taken off the shelf
(on hand and reserved both down) when the parcel ships — so reservations never pile up."""

from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order, StockLevel, StockReservation
from ewtp.market.placement import place_order
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _level(v):
    s = StockLevel.objects.get(variant_id=v)
    return s.on_hand, s.reserved


def test_shipping_consumes_the_reservation(buyer, stocked, operator):  # noqa: F811
    [v] = stocked(stock=5)
    cart.set_quantity(buyer, v, 2)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    assert _level(v) == (5, 2)
    for state in (Order.PAID, Order.ACCEPTED):
        orders.transition(operator, order.pk, state)
    assert _level(v) == (5, 2)  # accepted: still on the shelf, still reserved
    orders.transition(operator, order.pk, Order.SHIPPED)
    assert _level(v) == (3, 0)
    assert not StockReservation.objects.filter(line__order=order, released=False).exists()
    orders.transition(operator, order.pk, Order.CLEARED)  # later moves leave stock alone
    assert _level(v) == (3, 0)


def test_cancel_gives_the_units_back_to_sell(buyer, stocked, operator):  # noqa: F811
    [v] = stocked(stock=5)
    cart.set_quantity(buyer, v, 2)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    orders.transition(operator, order.pk, Order.CANCELLED)
    assert _level(v) == (5, 0)
