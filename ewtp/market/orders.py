"""The order's life as an explicit state machine. A transition not in TRANSITIONS is refused
with 409 and changes nothing; each allowed one is one transaction with an audit entry."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.fields.json import KT
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.compiled import CompiledQuery, insert
from ewtp.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.orm import chunks, unique
from ewtp.core.permissions import require_access
from ewtp.market.models import CbecUsage, Order, StockReservation
from ewtp.payments import escrow
from ewtp.payments import services as payments
from ewtp.payments.models import Escrow, Payment

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
READS_SNAPSHOT = {Order.PAID, Order.CANCELLED, Order.REFUNDED}  # the moves whose CBEC usage reads the snapshot
BATCH_READS = ("group", "seller", "buyer", "reference", "state", "created_at", "updated_at")  # transition_many's
RELEASES_STOCK = {Order.CANCELLED}  # the reserved units are free again
CONSUMES_STOCK = {Order.SHIPPED}  # the reserved units left the warehouse: on hand goes down too


def _settle_reservations(order: Order, *, consume: bool) -> None:
    """End the order's open reservations: released (cancelled) or consumed (shipped). Rows are
    locked in stock-id order, the order placement reserves them in, so two orders cannot deadlock."""
    reservations = _open_reservations([order.pk]).get(order.pk, [])
    _apply_stock(reservations, consume=consume)
    _write([pk for pk, _, _ in reservations], [])


# as .first() (the first by id), asked at every cancellation and refusal: compiled once
_payment_of = CompiledQuery(lambda ref: Payment.objects.filter(order_ref=ref).order_by("pk")[:1], texts=(0,))
_escrow_of = CompiledQuery(lambda ref: Escrow.objects.filter(order_ref=ref).order_by("pk")[:1], texts=(0,))


def _refund_payment(actor: Actor, order: Order) -> None:
    """Cancelling an order, or customs refusing a shipped one, gives the buyer's money back: a
    payment not yet authorised is abandoned (it can no longer be authorised), an authorisation is
    voided, a captured payment's escrow is refunded — what is left of it, after any partial refund
    or duty and tax already remitted at clearance — out of escrow (asynchronously, through the
    provider)."""
    payment = _payment_of.first(order.reference)
    if payment is None or payment.state in (Payment.DECLINED, Payment.VOIDED):
        return
    if payment.state == Payment.CREATED:
        payments.abandon_payment(actor, order.reference)
    elif payment.state == Payment.AUTHORISED:
        payments.void_payment(actor, order.reference)
    else:
        e = _escrow_of.first(order.reference)
        left = escrow.refundable_minor(e) if e is not None else 0  # a failed refund's share is retried, not refunded again
        if left > 0:
            payments.request_refund(actor, order.reference, e.money(left),
                                    "order cancelled before shipment" if order.state != Order.SHIPPED
                                    else "refused entry by customs")


def _cbec_value(order: Order):
    """The CNY this order counts against the buyer's annual CBEC limit (the engine's threshold value)."""
    engine = order.snapshot.get("engine", {})
    if engine.get("destination") != "CN" or not str(engine.get("regime", {}).get("code", "")).startswith("CN-CBEC"):
        return None
    return Decimal(engine["values"]["threshold"])


def _cbec_read(order: Order):
    """`_cbec_value` of a batch's order (`transition_many`): one whose frozen quote was left unread
    is not bound for China (the batch read its destination alone), so it counts for nothing."""
    return None if "snapshot" not in order.__dict__ else _cbec_value(order)


Usage = tuple[int, int, Decimal]  # a change of CBEC usage: (buyer id, year, signed CNY)


def _adjust_cbec(order: Order, sign: int, cbec: Callable[[Order], Decimal | None] = _cbec_value,
                 usage: list[Usage] | None = None) -> None:
    """Annual usage grows when an order is paid and shrinks when it is refunded or cancelled after
    payment. `usage`: a batch's list, to which the change is added (`_write_usage` writes it)."""
    value = cbec(order)
    if value is None:
        return
    year = order.created_at.year
    if usage is not None:
        usage.append((order.buyer_id, year, sign * value))
        return
    CbecUsage.objects.get_or_create(buyer_id=order.buyer_id, year=year)
    CbecUsage.objects.filter(buyer_id=order.buyer_id, year=year).update(used_cny=F("used_cny") + sign * value)


def _check(actor: Actor, order: Order | None, to: str) -> None:
    """The checks of a transition, before anything changes."""
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


def check_transition(actor: Actor, order: Order | None, to: str) -> None:
    """Raise the error `transition` would refuse this move with, before anything changes (for a
    batch that prepares its moves' work before making them)."""
    _check(actor, order, to)


def _refunds(before: str, to: str) -> bool:
    # a placed order's payment may already be authorised or captured (the order moves to paid
    # when sync_payments next runs)
    return (to == Order.CANCELLED and before in (Order.PLACED, Order.PAID, Order.ACCEPTED)) or (
        to == Order.REFUNDED and before == Order.SHIPPED)


def _side_effects(actor: Actor, order: Order, to: str,
                  cbec: Callable[[Order], Decimal | None] = _cbec_value, usage: list[Usage] | None = None) -> None:
    """Refund and CBEC usage of a transition (stock is settled by the caller)."""
    before = order.state
    if _refunds(before, to):
        _refund_payment(actor, order)
    if to == Order.PAID:
        _adjust_cbec(order, +1, cbec, usage)
    elif (to == Order.CANCELLED and before in (Order.PAID, Order.ACCEPTED)) or to == Order.REFUNDED:
        _adjust_cbec(order, -1, cbec, usage)


def _audit(actor: Actor, order: Order, before: str, to: str, reason: str) -> None:
    audit.record(actor, f"market.order_{to}", order, before={"state": before},
                 after={"state": to, "reason": reason[:500]})


def transition(actor: Actor, order_id: int, to: str, *, reason: str = "") -> Order:
    with transaction.atomic():
        order = unique(Order.objects.select_for_update().filter(pk=order_id))
        _check(actor, order, to)
        before = order.state
        if to in RELEASES_STOCK or to in CONSUMES_STOCK:
            _settle_reservations(order, consume=to in CONSUMES_STOCK)
        _side_effects(actor, order, to)
        order.state = to
        order.save(update_fields=["state", "updated_at"])
        _audit(actor, order, before, to, reason)
    return order


@dataclass(frozen=True)
class Move:
    """One transition of a batch (`transition_many`)."""

    actor: Actor
    order_id: int
    to: str
    reason: str = ""
    then: Callable[[Order], object] | None = None  # more work of the move, in its savepoint, after its audit entry
    # False: `then` runs without a savepoint of its own (one per move was a tenth of a batch of
    # acceptances), and a refusal there is raised out of the batch, whose caller rolls it back
    savepoint: bool = True


def transition_many(moves: Sequence[Move], *, locked_orders: dict[int, Order] | None = None) -> list[Order | AppError]:
    """A batch of `transition`, as one by one in one transaction: the same checks, stock, refunds,
    CBEC usage and audit entries in the same order; a refused move gives its error in its place
    and changes nothing. The orders are locked in one query and their open reservations read in
    one; the new states are written at the end in one statement (the rows are locked already,
    and nothing in a move reads them back), and so is the stock of the moves that write nothing
    else. A move that writes more (a refund, its `then`) runs in its own savepoint, as `transition`
    does. China's orders' frozen quotes are read whole (CBEC usage); the others' not. The CBEC usage
    changes of the moves made are written at the end too, in the moves' order (`_write_usage`):
    nothing in a move reads the usage. `locked_orders`: the orders by id, read and locked in this
    transaction by a caller that needed them first, with at least BATCH_READS (not for moves that
    read the frozen quote): they are used, and moved, instead of read again."""
    out: list[Order | AppError] = []
    with transaction.atomic():
        ids = sorted({m.order_id for m in moves})
        loaded: dict[int, Order] = {}
        # only the fields the checks and side effects read (a `then` that reads another loads it
        # then): the frozen quote is a large JSON document, read whole only for the CBEC usage of
        # an order bound for China, and the money fields cost a decimal conversion each
        locked = Order.objects.select_for_update().only(*BATCH_READS)
        reads = any(m.to in READS_SNAPSHOT for m in moves)
        if reads:
            locked = locked.annotate(engine_destination=KT("snapshot__engine__destination"))
        if locked_orders is not None and not reads:
            loaded = locked_orders
        else:
            for part in chunks(ids):  # SQLite's bound-parameter limit
                loaded.update(locked.in_bulk(part))
        if reads:
            china = sorted(pk for pk, o in loaded.items() if o.engine_destination == "CN")
            for part in chunks(china):
                for pk, snapshot in Order.objects.filter(pk__in=part).values_list("pk", "snapshot"):
                    loaded[pk].snapshot = snapshot
        open_res = _open_reservations([m.order_id for m in moves if m.to in RELEASES_STOCK | CONSUMES_STOCK])
        released: list[int] = []
        stock: dict[bool, list[tuple[int, int, int]]] = {True: [], False: []}  # consumed / released, at the end
        states: dict[int, Order] = {}
        usage: list[Usage] = []  # of the moves made, in their order
        for m in moves:
            order = loaded.get(m.order_id)
            unsaved = False  # in a `then` without a savepoint: a refusal there cannot be undone here
            try:
                _check(m.actor, order, m.to)
                before = order.state
                settle = m.to in RELEASES_STOCK or m.to in CONSUMES_STOCK
                # a move whose only write is its stock has it made with the batch's others at the
                # end (an error there fails the batch, as it fails `transition`): no savepoint
                writes = (m.then is not None and m.savepoint) or _refunds(before, m.to)
                changes: list[Usage] = []  # the move's CBEC usage, written with the batch's
                with transaction.atomic() if writes else contextlib.nullcontext():
                    reservations = open_res.pop(order.pk, []) if settle else []
                    try:
                        if writes:
                            _apply_stock(reservations, consume=m.to in CONSUMES_STOCK)
                        _side_effects(m.actor, order, m.to, _cbec_read, changes)
                        order.state, order.updated_at = m.to, timezone.now()
                        _audit(m.actor, order, before, m.to, m.reason)
                        if m.then is not None:
                            unsaved = not m.savepoint
                            m.then(order)
                    except Exception:
                        order.state = before  # as the rolled-back row
                        if reservations:
                            open_res[order.pk] = reservations
                        raise
            except AppError as err:
                if unsaved:
                    raise
                out.append(err)
                continue
            if not writes:
                stock[m.to in CONSUMES_STOCK] += reservations
            released += [pk for pk, _, _ in reservations]
            usage += changes
            states[order.pk] = order
            out.append(order)
        _apply_stock(stock[True], consume=True)
        _apply_stock(stock[False], consume=False)
        _write_usage(usage)
        _write(released, states.values())
    return out


# plain SQL on the batch's hot path: the ORM's per-statement compilation was most of its cost
CONSUME_SQL = 'UPDATE market_stocklevel SET reserved = reserved - %s, on_hand = on_hand - %s WHERE id = %s'
RELEASE_SQL = 'UPDATE market_stocklevel SET reserved = reserved - %s WHERE id = %s'
STATE_SQL = 'UPDATE market_order SET state = %s, updated_at = %s WHERE id = %s'


def _open_reservations(order_ids: list[int]) -> dict[int, list[tuple[int, int, int]]]:
    """{order id: [(reservation id, stock id, quantity)]} of the open reservations, locked in
    stock-id order as `_settle_reservations` locks them."""
    found: dict[int, list[tuple[int, int, int]]] = {}
    ids = sorted(set(order_ids))
    for part in chunks(ids):
        for pk, stock, qty, order in (StockReservation.objects.select_for_update()
                                      .filter(line__order_id__in=part, released=False)
                                      .order_by("stock_id", "pk").values_list("pk", "stock_id", "quantity",
                                                                              "line__order_id")):
            found.setdefault(order, []).append((pk, stock, qty))
    return found


def _apply_stock(reservations: list[tuple[int, int, int]], *, consume: bool) -> None:
    if not reservations:
        return
    sql = CONSUME_SQL if consume else RELEASE_SQL
    with connection.cursor() as cur:
        cur.executemany(sql, [(q, q, stock) if consume else (q, stock) for _, stock, q in reservations])


_USAGE_SQL: dict[str, tuple[str, tuple[int, int, int]]] = {}


def _usage_sql() -> tuple[str, tuple[int, int, int]]:
    """The UPDATE `_adjust_cbec` makes (as the ORM writes it for this database: on SQLite with its
    CASTs to NUMERIC), compiled once, and where the change, buyer and year sit in its parameters."""
    found = _USAGE_SQL.get(connection.vendor)
    if found is None:
        change, buyer, year = Decimal("-0.0173"), 987_654_321, 1_234  # stand-ins no real row holds
        query = CbecUsage.objects.filter(buyer_id=buyer, year=year).query.chain(UpdateQuery)
        query.add_update_values({"used_cny": F("used_cny") + change})
        sql, params = query.get_compiler(connection=connection).as_sql()
        params = list(params)
        found = _USAGE_SQL[connection.vendor] = (sql, (params.index(change), params.index(buyer), params.index(year)))
    return found


def _write_usage(usage: list[Usage]) -> None:
    """A batch's CBEC usage changes as `_adjust_cbec` makes them one after another: the missing
    (buyer, year) rows created in the order first needed (the same ids), then the same UPDATE per
    change, in order (on SQLite the same arithmetic in the same order), in one executemany."""
    if not usage:
        return
    pairs = list(dict.fromkeys((b, y) for b, y, _ in usage))
    known: set[tuple[int, int]] = set()
    for part in chunks(pairs):
        known.update(CbecUsage.objects.filter(buyer_id__in={b for b, _ in part}, year__in={y for _, y in part})
                     .values_list("buyer_id", "year"))
    missing = [p for p in pairs if p not in known]
    try:
        with transaction.atomic():
            for part in chunks(missing):
                insert([CbecUsage(buyer_id=b, year=y) for b, y in part])
    except IntegrityError:  # another transaction made one meanwhile: as get_or_create, one by one
        for b, y in missing:
            CbecUsage.objects.get_or_create(buyer_id=b, year=y)
    sql, (at_change, at_buyer, at_year) = _usage_sql()
    rows = []
    for b, y, change in usage:
        row: list = [None] * 3
        row[at_change], row[at_buyer], row[at_year] = change, b, y
        rows.append(row)
    with connection.cursor() as cur:
        cur.executemany(sql, rows)


def _write(released: list[int], moved) -> None:
    """The batch's reservation releases and new order states, each in one statement."""
    for part in chunks(released):
        StockReservation.objects.filter(pk__in=part).update(released=True)
    rows = [(o.state, connection.ops.adapt_datetimefield_value(o.updated_at), o.pk) for o in moved]
    if rows:
        with connection.cursor() as cur:
            cur.executemany(STATE_SQL, rows)
