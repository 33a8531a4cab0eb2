"""The batch forms read only the parts of an order's frozen quote they use: `transition_many` the
destination (China's orders' quotes whole, for the CBEC usage), `pay_orders` through
`placed_for_payment` the three figures a payment takes — and do what the single forms do."""

from __future__ import annotations

from ewtp.core.actor import SYSTEM
from ewtp.core.models import AuditEntry
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import CbecUsage, Order
from ewtp.market.orders import Move
from ewtp.market.payment_start import _start, pay_orders, placed_for_payment
from ewtp.market.placement import place_order
from ewtp.market.process import sync_payments
from ewtp.payments.models import Payment
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_process import CN, _paid_order


def _used(buyer) -> object:  # noqa: F811
    return CbecUsage.objects.filter(buyer_id=buyer.user_id).values_list("used_cny", flat=True).first()


def _since() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _entries(since: int) -> list:
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq").values_list("actor", "action", "before", "after"))


def test_cbec_usage_in_a_batch_is_as_one_by_one(buyer, stocked):  # noqa: F811
    [v] = stocked("MY", "MYR", price="200.00", hs="090240", stock=10)
    one = [_paid_order(buyer, v, CN), _paid_order(buyer, v, AU)]
    batch = [_paid_order(buyer, v, CN), _paid_order(buyer, v, AU)]

    since = _since()
    for o in one:
        orders.transition(SYSTEM, o.pk, Order.PAID, reason="payment captured")
    used_one, expected = _used(buyer), _entries(since)
    assert used_one > 0  # the CN order counts, the AU one does not

    since = _since()
    results = orders.transition_many([Move(SYSTEM, o.pk, Order.PAID, "payment captured") for o in batch])
    assert _used(buyer) == 2 * used_one and _entries(since) == expected
    # China's quote read whole, the other's left unread
    assert ["snapshot" in r.__dict__ for r in results] == [True, False]
    assert not any("total" in r.__dict__ for r in results)  # nor the money fields: no move read them

    # cancelled after payment: the usage given back, in a batch as one by one
    orders.transition(buyer, one[0].pk, Order.CANCELLED, reason="no longer needed")
    assert _used(buyer) == used_one
    moved = orders.transition_many([Move(buyer, batch[0].pk, Order.CANCELLED, "no longer needed"),
                                    Move(buyer, batch[0].pk, Order.CANCELLED, "refused: cancelled already")])
    assert _used(buyer) == 0 and moved[0].state == Order.CANCELLED and isinstance(moved[1], Exception)
    assert "total" not in moved[0].__dict__  # the refund reads the order's reference alone
    assert sync_payments() == 0


def test_a_payment_takes_the_same_figures_from_the_lean_order(buyer, stocked):  # noqa: F811
    [v] = stocked("MY", "MYR", price="45.00", stock=10)
    placed = []
    for dest in (AU, CN):
        cart.set_quantity(buyer, v, 1)
        placed += list(place_order(buyer, quote_checkout(buyer, dest).pk).orders.all())
    ids = [o.pk for o in placed]
    full = {o.pk: o for o in Order.objects.filter(pk__in=ids).select_related("group")}
    lean = {o.pk: o for o in placed_for_payment(ids)}
    for pk in ids:
        assert _start(buyer, lean[pk], "4242424242424242") == _start(buyer, full[pk], "4242424242424242")
        assert "snapshot" not in lean[pk].__dict__  # the quote itself unread
        assert "goods" not in lean[pk].__dict__  # nor unused figures
        assert "group" not in lean[pk]._state.fields_cache  # nor the group's row: its country annotated
    assert pay_orders([(buyer, lean[pk], "4242424242424242") for pk in ids]) == [full[pk].reference for pk in ids]
    assert Payment.objects.filter(order_ref__in=[o.reference for o in placed]).count() == 2


def test_a_refused_move_writes_no_cbec_usage_and_the_others_are_written_together(buyer, stocked):  # noqa: F811
    """The batch writes the CBEC usage of the moves made, at its end: a move refused in its
    savepoint (here by its further work) adds nothing; the usage row is made once, as one by one."""
    from ewtp.core.errors import Conflict

    [v] = stocked("MY", "MYR", price="200.00", hs="090240", stock=10)
    one, refused, batch = _paid_order(buyer, v, CN), _paid_order(buyer, v, CN), _paid_order(buyer, v, CN)
    orders.transition(SYSTEM, one.pk, Order.PAID, reason="payment captured")
    used_one = _used(buyer)
    CbecUsage.objects.all().delete()  # the batch makes the row again

    def refuse(order):
        raise Conflict("refused after its audit entry (test)")

    since = _since()
    results = orders.transition_many([Move(SYSTEM, refused.pk, Order.PAID, "payment captured", then=refuse),
                                      Move(SYSTEM, batch.pk, Order.PAID, "payment captured")])
    assert isinstance(results[0], Conflict) and results[1].state == Order.PAID
    assert Order.objects.get(pk=refused.pk).state == Order.PLACED
    assert _used(buyer) == used_one and CbecUsage.objects.count() == 1
    assert [e[1] for e in _entries(since)] == ["market.order_paid"]
