"""`accept_orders` reads only the parts of the frozen quote logistics needs (annotated): the same
`order_data` as from the whole quote, and the quote itself whenever a part is not as it holds it."""

from __future__ import annotations

from ewtp.market import cart
from ewtp.market.checkout import quote_checkout
from ewtp.market.fulfilment import FROZEN, order_data
from ewtp.market.models import Order
from ewtp.market.placement import place_order
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def test_order_data_from_the_lean_order_is_as_from_the_whole_quote(buyer, stocked):  # noqa: F811
    [v] = stocked("MY", "MYR", stock=10)
    cart.set_quantity(buyer, v, 2)
    placed = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    lean = Order.objects.select_related("group").defer("snapshot").annotate(**FROZEN).get(pk=placed.pk)
    whole = Order.objects.select_related("group").get(pk=placed.pk)
    assert order_data(lean) == order_data(whole)
    assert "snapshot" not in lean.__dict__ and order_data(lean).lane_ids

    # a quote without the lanes (as an older order's): the lean order reads the quote itself
    snap = whole.snapshot
    del snap["shipping_quote"]["lane_ids"]
    Order.objects.filter(pk=placed.pk).update(snapshot=snap)
    lean = Order.objects.select_related("group").defer("snapshot").annotate(**FROZEN).get(pk=placed.pk)
    assert order_data(lean).lane_ids is None and order_data(lean) == order_data(Order.objects.get(pk=placed.pk))
