"""The order follows its shipment: picked up -> shipped; delivered (after customs release) ->
delivered, and the escrow countdown starts at the delivery time. Idempotent."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ewtp.core.actor import SYSTEM
from ewtp.logistics import simulator
from ewtp.logistics.samples_track import make_shipment
from ewtp.market import orders
from ewtp.market.models import Order
from ewtp.market.process import sync_payments
from ewtp.market.process_shipments import sync_shipments
from ewtp.payments.models import Escrow
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_process import _paid_order


def _state(order) -> str:
    return Order.objects.get(pk=order.pk).state


def test_order_follows_its_shipment_to_delivery(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paid_order(buyer, v, AU)
    sync_payments()
    orders.transition(SYSTEM, order.pk, Order.ACCEPTED, reason="seller accepted")
    s = make_shipment(order.seller, order.buyer, order_ref=order.reference)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    events = simulator.simulate_events(s, start, random.Random(8), failure_rate=0)

    simulator.post(events[:1])  # pre-advice only: not yet with a carrier
    assert sync_shipments() == (0, 0) and _state(order) == Order.ACCEPTED
    simulator.post(events[:2])  # picked up
    assert sync_shipments() == (1, 0) and _state(order) == Order.SHIPPED
    simulator.post(events)  # delivered, but customs has not released the order yet: it waits
    s.refresh_from_db()
    assert s.delivered_at is not None
    assert sync_shipments() == (0, 0) and _state(order) == Order.SHIPPED
    assert Escrow.objects.get(order_ref=order.reference).delivered_at is None

    orders.transition(SYSTEM, order.pk, Order.CLEARED, reason="customs released")  # customs' poll does this
    assert sync_shipments() == (0, 1) and _state(order) == Order.DELIVERED
    assert Escrow.objects.get(order_ref=order.reference).delivered_at == s.delivered_at
    assert sync_shipments() == (0, 0)  # idempotent


def test_a_missed_countdown_is_repaired(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paid_order(buyer, v, AU)
    sync_payments()
    for to in (Order.ACCEPTED, Order.SHIPPED, Order.CLEARED, Order.DELIVERED):
        orders.transition(SYSTEM, order.pk, to)
    s = make_shipment(order.seller, order.buyer, order_ref=order.reference)
    simulator.post(simulator.simulate_events(s, datetime.now(UTC) - timedelta(days=10), random.Random(2)))
    assert sync_shipments() == (0, 0)
    s.refresh_from_db()
    assert Escrow.objects.get(order_ref=order.reference).delivered_at == s.delivered_at
