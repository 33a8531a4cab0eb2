"""Opening the payment of a placed order with the figures frozen on it (amount, duty, tax, the
hub fee), so the payments domain never re-derives an order."""

from __future__ import annotations

from ewtp.core.actor import Actor
from ewtp.core.errors import Conflict
from ewtp.core.money import Money
from ewtp.market.models import Order
from ewtp.payments import services as payments


def start_order_payment(actor: Actor, order: Order) -> str:
    if order.state != Order.PLACED:
        raise Conflict(f"a {order.state} order is not waiting for payment", code="invalid_transition")
    cur = order.currency
    payments.start_payment(
        actor, order_ref=order.reference, amount=Money(order.total, cur), seller_org_id=order.seller_id,
        seller_currency=order.snapshot["seller_currency"], buyer_user_id=order.buyer_id,
        jurisdiction=order.group.destination["country"], duty=Money(order.snapshot["duty"], cur),
        tax=Money(order.snapshot["tax"], cur), fee=Money(order.hub_fee, cur))
    return order.reference
