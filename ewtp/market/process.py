"""The order's process reacting to other domains' records. The payments domain records each
provider answer on its Payment; this consumer reads captured payments of orders still `placed`
and moves them to `paid` (idempotent: run it as often as you like — `ewtp market sync`)."""

from __future__ import annotations

from ewtp.core.actor import SYSTEM, Actor
from ewtp.market.models import Order
from ewtp.market.orders import transition
from ewtp.payments.models import Payment


def sync_payments(actor: Actor = SYSTEM, limit: int = 10_000) -> int:
    captured = Payment.objects.filter(state=Payment.CAPTURED).values("order_ref")
    ids = list(Order.objects.filter(state=Order.PLACED, reference__in=captured).values_list("pk", flat=True)[:limit])
    for order_id in ids:
        transition(actor, order_id, Order.PAID, reason="payment captured")
    return len(ids)
