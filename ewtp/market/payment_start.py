"""Opening the payment of a placed order with the figures frozen on it (amount, duty, tax, the
hub fee), so the payments domain never re-derives an order."""

from __future__ import annotations

from django.db import transaction

from ewtp.core.actor import Actor
from ewtp.core.errors import Conflict
from ewtp.core.money import Money
from ewtp.market.models import Order, OrderGroup
from ewtp.payments import services as payments
from ewtp.payments.models import Payment


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


def waiting_for_payment(group: OrderGroup) -> list[Order]:
    """The group's placed orders without a payment, or whose payment still waits for a card."""
    placed = list(group.orders.filter(state=Order.PLACED).order_by("pk"))
    started = dict(Payment.objects.filter(order_ref__in=[o.reference for o in placed])
                   .values_list("order_ref", "state"))
    return [o for o in placed if started.get(o.reference, Payment.CREATED) == Payment.CREATED]


def pay_group(actor: Actor, group: OrderGroup, card_number: str) -> list[Order]:
    """One card entry for a whole checkout: every waiting order's payment is opened (if need be)
    and authorised with the card — one payment and escrow per seller order, as the ledger keeps
    them. All or nothing: a card the provider refuses outright changes nothing; a decline comes
    back per payment, asynchronously, like a real provider's."""
    waiting = waiting_for_payment(group)
    if not waiting:
        raise Conflict("nothing in this order is waiting for payment", code="invalid_transition")
    with transaction.atomic():
        for order in waiting:
            if not Payment.objects.filter(order_ref=order.reference).exists():
                start_order_payment(actor, order)
            payments.authorise_payment(actor, order.reference, card_number)
    return waiting
