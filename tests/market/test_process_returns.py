"""The order follows its return: delivered -> return_requested -> returned -> refunded, or back
to delivered when the return is rejected; idempotent."""

from __future__ import annotations

import pytest

from ewtp.accounts.models import Membership
from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM
from ewtp.logistics import returns
from ewtp.logistics.models import ReturnRequest, Shipment
from ewtp.market import orders
from ewtp.market.models import Order
from ewtp.market.process import sync_payments
from ewtp.market.process_returns import sync_returns
from tests.logistics.factories_ops import Network, deliver, shipment
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_process import _paid_order


@pytest.fixture
def delivered(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paid_order(buyer, v, AU)
    sync_payments()
    for to in (Order.ACCEPTED, Order.SHIPPED, Order.CLEARED, Order.DELIVERED):
        orders.transition(SYSTEM, order.pk, to)
    s = deliver(shipment(Network(), seller=order.seller, buyer=order.buyer, order_ref=order.reference))
    seller = actor_for_user(Membership.objects.filter(organisation=order.seller).first().user)
    return order, s, seller


def test_order_follows_an_approved_return(buyer, delivered):  # noqa: F811
    order, s, seller = delivered
    r = returns.request_return(buyer, s.tracking_no, "too small")
    assert sync_returns() == 1 and Order.objects.get(pk=order.pk).state == Order.RETURN_REQUESTED
    assert sync_returns() == 0
    r = returns.decide(seller, r.pk, approve=True)
    assert sync_returns() == 0  # still on its way back
    Shipment.objects.filter(pk=r.return_shipment_id).update(status="in_transit")  # a carrier picked it up
    sync_returns()
    r.refresh_from_db()
    assert r.state == ReturnRequest.IN_TRANSIT
    returns.confirm_receipt(seller, r.pk, "unworn")
    assert sync_returns() == 1 and Order.objects.get(pk=order.pk).state == Order.REFUNDED
    assert sync_returns() == 0


def test_order_back_to_delivered_when_rejected(buyer, delivered):  # noqa: F811
    order, s, seller = delivered
    r = returns.request_return(buyer, s.tracking_no, "changed my mind")
    sync_returns()
    returns.decide(seller, r.pk, approve=False, note="custom-made item")
    assert sync_returns() == 1 and Order.objects.get(pk=order.pk).state == Order.DELIVERED
    assert sync_returns() == 0


def test_a_refused_move_sends_the_batch_one_by_one(buyer, delivered, monkeypatch):  # noqa: F811
    from ewtp.core.errors import Conflict
    from ewtp.core.models import AuditEntry
    from ewtp.market import process_returns

    order, s, seller = delivered
    r = returns.request_return(buyer, s.tracking_no, "too small")
    returns.decide(seller, r.pk, approve=True)
    returns.confirm_receipt(seller, r.pk, "unworn")  # refunded: three moves for the order
    real = process_returns.transition_many

    def refusing(moves):  # the batch's writes made, then a move reported refused (as by a racing change)
        out = real(moves)
        return [out[0], Conflict("changed meanwhile"), *out[2:]]

    monkeypatch.setattr(process_returns, "transition_many", refusing)
    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert sync_returns() == 1
    assert Order.objects.get(pk=order.pk).state == Order.REFUNDED
    # the batch rolled back, then one by one: each move once
    assert list(AuditEntry.objects.filter(seq__gt=since, action__startswith="market.order_").order_by("seq")
                .values_list("action", flat=True)) == ["market.order_return_requested", "market.order_returned",
                                                       "market.order_refunded"]


def test_a_move_refused_one_by_one_too_is_raised(buyer, delivered, monkeypatch):  # noqa: F811
    from ewtp.core.errors import Conflict
    from ewtp.market import process_returns

    order, s, _ = delivered
    returns.request_return(buyer, s.tracking_no, "too small")
    monkeypatch.setattr(process_returns, "transition_many", lambda moves: [Conflict("refused")])

    def refuse(*args, **kwargs):
        raise Conflict("refused")

    monkeypatch.setattr(process_returns, "transition", refuse)
    with pytest.raises(Conflict):
        sync_returns()
    assert Order.objects.get(pk=order.pk).state == Order.DELIVERED
