"""The order's life as an explicit state machine. A transition not in TRANSITIONS is refused
with 409 and changes nothing; each allowed one is one transaction with an audit entry."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import require_access
from ewtp.market.models import CbecUsage, Order, StockLevel, StockReservation
from ewtp.payments import services as payments
from ewtp.payments.models import Payment

TRANSITIONS: dict[str, set[str]] = {
    Order.PLACED: {Order.PAID, Order.CANCELLED},
    Order.PAID: {Order.ACCEPTED, Order.CANCELLED},
    Order.ACCEPTED: {Order.SHIPPED, Order.CANCELLED},
    Order.SHIPPED: {Order.CLEARED, Order.REFUNDED},  # refunded: customs refused the goods entry
    Order.CLEARED: {Order.DELIVERED},
    Order.DELIVERED: {Order.COMPLETED, Order.RETURN_REQUESTED},
    Order.RETURN_REQUESTED: {Order.RETURNED, Order.DELIVERED},
    Order.RETURNED: {Order.REFUNDED},
    Order.CANCELLED: set(),
    Order.COMPLETED: set(),
    Order.REFUNDED: set(),
}
# who may ask for a transition (the system — payments, customs, logistics — acts as hub operator)
ACTORS: dict[str, set[str]] = {
    Order.CANCELLED: {Role.BUYER, Role.SELLER},
    Order.ACCEPTED: {Role.SELLER},
    Order.RETURN_REQUESTED: {Role.BUYER},
}
RELEASES_STOCK = {Order.CANCELLED}  # the reserved units are free again
CONSUMES_STOCK = {Order.SHIPPED}  # the reserved units left the warehouse: on hand goes down too


def _settle_reservations(order: Order, *, consume: bool) -> None:
    """End the order's open reservations: released (cancelled) or consumed (shipped). Rows are
    locked in stock-id order, the order placement reserves them in, so two orders cannot deadlock."""
    reservations = list(StockReservation.objects.select_for_update()
                        .filter(line__order=order, released=False).order_by("stock_id"))
    for r in reservations:
        change = {"reserved": F("reserved") - r.quantity}
        if consume:
            change["on_hand"] = F("on_hand") - r.quantity
        StockLevel.objects.filter(pk=r.stock_id).update(**change)
    StockReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(released=True)


def _refund_payment(actor: Actor, order: Order) -> None:
    """Cancelling a paid order, or customs refusing a shipped one, gives the buyer's money back: an
    authorisation is voided, a captured payment is refunded in full out of escrow (asynchronously,
    through the provider)."""
    payment = Payment.objects.filter(order_ref=order.reference).first()
    if payment is None or payment.state in (Payment.CREATED, Payment.DECLINED, Payment.VOIDED):
        return
    if payment.state == Payment.AUTHORISED:
        payments.void_payment(actor, order.reference)
    else:
        payments.request_refund(actor, order.reference, Money.from_minor(payment.amount_minor, payment.currency),
                                "order cancelled before shipment" if order.state != Order.SHIPPED
                                else "refused entry by customs")


def _cbec_value(order: Order):
    """The CNY this order counts against the buyer's annual CBEC limit (the engine's threshold value)."""
    engine = order.snapshot.get("engine", {})
    if engine.get("destination") != "CN" or not str(engine.get("regime", {}).get("code", "")).startswith("CN-CBEC"):
        return None
    return Decimal(engine["values"]["threshold"])


def _adjust_cbec(order: Order, sign: int) -> None:
    """Annual usage grows when an order is paid and shrinks when it is refunded or cancelled after payment."""
    value = _cbec_value(order)
    if value is None:
        return
    year = order.created_at.year
    CbecUsage.objects.get_or_create(buyer_id=order.buyer_id, year=year)
    CbecUsage.objects.filter(buyer_id=order.buyer_id, year=year).update(used_cny=F("used_cny") + sign * value)


def transition(actor: Actor, order_id: int, to: str, *, reason: str = "") -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise NotFound("order not found")
        require_access(actor, order)
        if to not in TRANSITIONS:
            raise ValidationFailed.field("to", f"one of {', '.join(TRANSITIONS)}")
        allowed_roles = ACTORS.get(to)
        if not actor.is_operator and (allowed_roles is None or actor.role not in allowed_roles):
            raise Forbidden(f"you may not move an order to {to}")
        if to not in TRANSITIONS[order.state]:
            raise Conflict(f"an order that is {order.state} cannot become {to}", code="invalid_transition")
        before = order.state
        if to in RELEASES_STOCK or to in CONSUMES_STOCK:
            _settle_reservations(order, consume=to in CONSUMES_STOCK)
        if (to == Order.CANCELLED and before in (Order.PAID, Order.ACCEPTED)) or (
                to == Order.REFUNDED and before == Order.SHIPPED):
            _refund_payment(actor, order)
        if to == Order.PAID:
            _adjust_cbec(order, +1)
        elif (to == Order.CANCELLED and before in (Order.PAID, Order.ACCEPTED)) or to == Order.REFUNDED:
            _adjust_cbec(order, -1)
        order.state = to
        order.save(update_fields=["state", "updated_at"])
        audit.record(actor, f"market.order_{to}", order, before={"state": before},
                     after={"state": to, "reason": reason[:500]})
    return order
