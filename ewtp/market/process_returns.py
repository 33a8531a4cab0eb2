"""The order's process following its returns (ewtp.logistics ReturnRequest records), by polling
like sync_payments: delivered -> return_requested while a return is open; back to delivered if
it is rejected; -> returned once the seller has the goods back; -> refunded once the refund has
gone out. Idempotent: run it as often as you like (`ewtp market sync`)."""

from __future__ import annotations

from django.db import transaction

from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.errors import AppError
from ewtp.logistics import returns
from ewtp.logistics.models import ReturnRequest
from ewtp.market.models import Order
from ewtp.market.orders import Move, transition, transition_many

OPEN = {ReturnRequest.REQUESTED, ReturnRequest.APPROVED, ReturnRequest.IN_TRANSIT}
BACK = {ReturnRequest.RECEIVED, ReturnRequest.REFUNDED}


def _path(state: str, returns: set[str]) -> list[str]:
    """The transitions that bring an order in `state` in line with its returns' states."""
    if returns & BACK:
        steps = {Order.DELIVERED: [Order.RETURN_REQUESTED, Order.RETURNED], Order.RETURN_REQUESTED: [Order.RETURNED]}
        path = steps.get(state, [])
        if ReturnRequest.REFUNDED in returns and (path or state == Order.RETURNED):
            path = [*path, Order.REFUNDED]
        return path
    if returns & OPEN:
        return [Order.RETURN_REQUESTED] if state == Order.DELIVERED else []
    if state == Order.RETURN_REQUESTED:  # every return of the order was rejected
        return [Order.DELIVERED]
    return []


class _Refused(Exception):
    """A move of the batch was refused: roll it back and go one by one."""


def sync_returns(actor: Actor = SYSTEM, limit: int = 10_000) -> int:
    """Move orders after their returns; returns how many orders moved. The moves go in one batch
    (`transition_many`); should any be refused, the batch is rolled back and they go one by one,
    which raises the refusal where `transition` meets it."""
    returns.follow_return_shipments(actor)
    by_order: dict[str, set[str]] = {}
    for ref, state in ReturnRequest.objects.values_list("order_ref", "state"):
        by_order.setdefault(ref, set()).add(state)
    orders = (Order.objects.filter(reference__in=list(by_order),
                                   state__in=[Order.DELIVERED, Order.RETURN_REQUESTED, Order.RETURNED])
              .values_list("pk", "reference", "state")[:limit])
    moves: list[Move] = []
    moved = 0
    for pk, ref, state in orders:
        path = _path(state, by_order[ref])
        moves += [Move(actor, pk, to, "return " + to.replace("_", " ")) for to in path]
        moved += bool(path)
    try:
        with transaction.atomic():
            if any(isinstance(r, AppError) for r in transition_many(moves)):
                raise _Refused
    except _Refused:
        for m in moves:
            transition(m.actor, m.order_id, m.to, reason=m.reason)
    return moved
