"""Opening the payment of a placed order with the figures frozen on it (amount, duty, tax, the
hub fee), so the payments domain never re-derives an order."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.json import KT, KeyTextTransform

from ewtp.core.actor import Actor
from ewtp.core.errors import AppError, Conflict
from ewtp.core.money import Money
from ewtp.market.models import Order, OrderGroup
from ewtp.payments import batches
from ewtp.payments import services as payments
from ewtp.payments.models import Payment

FROZEN = ("seller_currency", "duty", "tax")  # what a payment takes from the order's frozen quote
_JSON_NAMES = ("null", "true", "false")
START_READS = ("group", "buyer", "seller", "reference", "state", "currency", "total", "hub_fee")


def placed_for_payment(ids: list[int]) -> QuerySet[Order]:
    """The orders, for `pay_orders`, with only the frozen quote's figures a payment takes (annotated:
    the text as stored) instead of the whole quote, a large JSON document, and only the columns
    `_start` reads (the other money fields cost a decimal conversion each); the group's destination
    country likewise (annotated), not the group's row and its address document."""
    return (Order.objects.filter(pk__in=ids).only(*START_READS)
            .annotate(**{f"frozen_{k}": KT(f"snapshot__{k}") for k in FROZEN},
                      destination_country=KeyTextTransform("country", "group__destination")))


def _frozen(order: Order, key: str) -> str:
    value = getattr(order, f"frozen_{key}", None)
    return value if isinstance(value, str) else order.snapshot[key]  # not annotated: the quote itself


def _country(order: Order) -> str:
    value = getattr(order, "destination_country", None)
    # not annotated, or not a string in the document (SQLite's text of JSON null, true, false is
    # their name): the group's own document says what it is
    return value if isinstance(value, str) and value not in _JSON_NAMES else order.group.destination["country"]


def _start(actor: Actor, order: Order, card_number: str | None = None) -> payments.Start:
    if order.state != Order.PLACED:
        raise Conflict(f"a {order.state} order is not waiting for payment", code="invalid_transition")
    cur = order.currency
    return payments.Start(
        actor, order_ref=order.reference, amount=Money(order.total, cur), seller_org_id=order.seller_id,
        seller_currency=_frozen(order, "seller_currency"), buyer_user_id=order.buyer_id,
        jurisdiction=_country(order), duty=Money(_frozen(order, "duty"), cur),
        tax=Money(_frozen(order, "tax"), cur), fee=Money(order.hub_fee, cur), card_number=card_number)


def start_order_payment(actor: Actor, order: Order) -> str:
    payments.start(_start(actor, order))
    return order.reference


def pay_orders(items: list[tuple[Actor, Order, str]]) -> list[str | AppError]:
    """[(buyer, placed order, card)]: each order's payment opened and authorised with the card, as
    `start_order_payment` then `authorise_payment` one by one — a batch (`payments.batches`),
    each order in its own savepoint, a refused one giving its error in its place."""
    starts: list[payments.Start | AppError] = []
    for actor, order, card in items:
        try:
            starts.append(_start(actor, order, card))
        except AppError as err:
            starts.append(err)
    opened = iter(batches.start_payments([s for s in starts if not isinstance(s, AppError)]))
    return [s if isinstance(s, AppError) else _ref(next(opened)) for s in starts]


def _ref(result: Payment | AppError) -> str | AppError:
    return result if isinstance(result, AppError) else result.order_ref


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
