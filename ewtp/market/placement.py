"""Placing an order: one transaction that turns a locked checkout quote into an order group and
one order per seller, reserving stock atomically.

The number of queries does not grow with the cart: stock rows are locked in one query (in id
order, so concurrent checkouts cannot deadlock), reservations are computed in memory, and every
write is a bulk statement. Two buyers racing for the last unit are serialised by those row locks
(PostgreSQL) or by the IMMEDIATE transaction (SQLite); the loser gets 409 and nothing is written.

`buy` is the cart edit, the quote and the placement in turn for a caller that has all three at
once (the simulator), placing the quote it has just written without reading it back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.compiled import CompiledQuery, insert, insert_values
from ewtp.core.errors import AppError, Conflict, NotFound
from ewtp.core.permissions import require_access, require_role
from ewtp.market import checkout_memo
from ewtp.market.cart import buyer_lines, fingerprint, set_quantities_held
from ewtp.market.checkout import quote_lines
from ewtp.market.encoded import insert_encoded
from ewtp.market.models import (
    CartLine,
    CheckoutQuote,
    Order,
    OrderGroup,
    OrderLine,
    StockLevel,
    StockReservation,
)

_EMPTY_CART = f"DELETE FROM {CartLine._meta.db_table} WHERE cart_id = %s"  # noqa: S608 (nothing refers to a line)
# run on every placement: compiled once (the stock query per number of variants)
_locked_quote = CompiledQuery(lambda pk: CheckoutQuote.objects.select_for_update().filter(pk=pk)[:1])
_group_of_quote = CompiledQuery(lambda quote_id: OrderGroup.objects.filter(quote_id=quote_id).only("pk")[:1])
_locked_stock = CompiledQuery(lambda variant_ids: StockLevel.objects.select_for_update()
                              .filter(variant_id__in=variant_ids).order_by("id"))


def _reserve(needed: dict[int, int]) -> tuple[list[StockLevel], list[tuple[int, StockLevel, int]]]:
    """Take stock per variant from its warehouses in id order. Returns the changed rows and
    (variant, stock row, quantity) picks; raises Conflict when any variant falls short."""
    levels = checkout_memo.stock(list(needed), _locked_stock)
    by_variant: dict[int, list[StockLevel]] = defaultdict(list)
    for lv in levels:
        by_variant[lv.variant_id].append(lv)
    picks, short = [], []
    for variant_id, qty in needed.items():
        left = qty
        for lv in by_variant.get(variant_id, []):  # each row is its variant's, met once
            take = min(left, lv.on_hand - lv.reserved)
            if take > 0:
                picks.append((variant_id, lv, take))
                left -= take
            if left == 0:
                break
        if left:
            short.append(variant_id)
    if short:
        raise Conflict("not enough stock for some items: " + ", ".join(f"variant {v}" for v in short),
                       code="out_of_stock", fields={"cart": [f"variant {v} is out of stock" for v in short]})
    for _, lv, take in picks:  # only now: a refusal leaves remembered rows (checkout_memo) as they were
        lv.reserved += take
    picked = {id(lv) for _, lv, _ in picks}
    return [lv for lv in levels if id(lv) in picked], picks


# the orders' amounts as the database stores and returns them (money has at most 3 decimals, so
# this is exact), so the answer built from the new rows matches a later read
_STORED = Decimal(1).scaleb(-Order._meta.get_field("total").decimal_places)


def _stored(amount: str) -> Decimal:
    return Decimal(amount).quantize(_STORED)


def _save_reserved(levels: list[StockLevel]) -> None:
    """One UPDATE for every changed stock row (what bulk_update writes, at a fraction of the cost
    of building it through the ORM)."""
    if not levels:
        return
    qn = connection.ops.quote_name
    table, pk, col = (qn(StockLevel._meta.db_table), qn(StockLevel._meta.pk.column),
                      qn(StockLevel._meta.get_field("reserved").column))
    whens = " ".join(["WHEN %s THEN %s"] * len(levels))
    ids = ", ".join(["%s"] * len(levels))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET {col} = CASE {pk} {whens} END WHERE {pk} IN ({ids})",  # noqa: S608
                    [v for lv in levels for v in (lv.pk, lv.reserved)] + [lv.pk for lv in levels])


@dataclass(frozen=True)
class Placed:
    group: OrderGroup
    orders: list[Order]  # one per seller, in the quote's order


def place_order(actor: Actor, quote_id: int) -> OrderGroup:
    return place(actor, quote_id).group


def place(actor: Actor, quote_id: int) -> Placed:
    """`place_order`, also answering the orders it created (so a caller need not read them back)."""
    require_role(actor, [Role.BUYER])
    with transaction.atomic():
        found = _locked_quote(quote_id)
        if not found:
            raise NotFound("checkout quote not found")
        quote = found[0]
        require_access(actor, quote)
        if _group_of_quote(quote.pk):
            raise Conflict("this checkout was already placed", code="already_placed")
        _check_expiry(quote)
        lines = buyer_lines(actor)
        if fingerprint(lines) != quote.cart_fingerprint:
            raise Conflict("the cart or its prices changed since the quote; check out again", code="cart_changed")
        return _write(actor, quote, lines)


# a quote's total as the database keeps and reads it back (SQLite: at most 15 significant digits)
_TOTAL_PLACES = Decimal(1).scaleb(-CheckoutQuote._meta.get_field("total").decimal_places)


def buy(actor: Actor, quantities: list[tuple[int, int]], destination: dict) -> Placed:
    """`cart.set_quantities`, `checkout.quote_checkout` and `place` in turn, as a buyer calls them
    (the simulator's checkout): the same checks, refusals and rows, without reading back the cart
    lines and the quote it has just written. In one transaction, so no one can see (or place) the
    quote before it is placed; a refusal keeps what the steps before it wrote, as one by one (an
    error that is not a refusal undoes all three). The lines of a cart that held none are written
    only if they are not placed: placing them would delete them again in this transaction."""
    refusal: AppError | None = None
    try:
        with transaction.atomic():
            held: list[CartLine] = []
            try:
                lines, held = set_quantities_held(actor, quantities)
                placed = _place_quoted(actor, *quote_lines(actor, destination, lines), lines, held)
            except AppError as err:
                refusal = err
                insert(held)  # not placed: the cart keeps its lines, as one by one
    except BaseException:
        checkout_memo.forget()  # rolled back: remembered stock rows may be ahead of the database
        raise
    if refusal is not None:
        raise refusal
    return placed


def _place_quoted(actor: Actor, quote: CheckoutQuote, snapshots: list[str], lines: list[CartLine],
                  held: list[CartLine]) -> Placed:
    """`place(actor, quote.pk)` of a quote this transaction has just written for these very lines:
    no placement can refer to it yet and the cart is as quoted, so neither is read again. No
    savepoint of its own: every refusal comes before the first write. `snapshots`: each
    consignment's JSON text, as the quote's payload holds it; `held`: the lines not yet inserted
    (then they are all the cart's lines, and they are placed without being written)."""
    total = quote.total.quantize(_TOTAL_PLACES)
    if len(total.as_tuple().digits) > 15:  # SQLite would give back another figure: read it, as one by one
        insert(held)  # `place` reads the cart
        held.clear()  # written: not again on a refusal
        return place(actor, quote.pk)
    require_role(actor, [Role.BUYER])
    quote.total = total  # as `place` reads it back
    require_access(actor, quote)
    _check_expiry(quote)
    return _write(actor, quote, lines, snapshots, emptied=bool(held))


def _check_expiry(quote: CheckoutQuote) -> None:
    if quote.expires_at <= timezone.now():
        raise Conflict("the checkout quote expired after 15 minutes; check out again to re-quote",
                       code="quote_expired")


_LINE_FIELDS = ("order_id", "variant_id", "quantity", "unit_price", "seller_currency", "hs_code", "origin", "title")


def _write(actor: Actor, quote: CheckoutQuote, lines: list[CartLine], snapshots: list[str] | None = None, *,
           emptied: bool = False) -> Placed:
    """Reserve the stock of the quoted lines and write the group, its orders, lines and reservations
    (`snapshots`: the consignments' JSON texts, when the caller has them; `emptied`: the cart holds
    no line in the database, so there is nothing to delete)."""
    changed, picks = _reserve({ln.variant_id: ln.quantity for ln in lines})
    _save_reserved(changed)

    # the rows are written with `insert` (bulk_create's statement, built once per row count)
    group = insert([OrderGroup(buyer_id=actor.user_id, quote=quote, currency=quote.currency, total=quote.total,
                               destination=quote.destination)])[0]
    consignments = quote.payload["consignments"]
    orders = [
        Order(group=group, seller_id=c["seller_id"], buyer_id=actor.user_id,
              reference=f"OG{group.pk}-S{c['seller_id']}", currency=quote.currency,
              goods=_stored(c["goods"]), shipping=_stored(c["shipping"]), duty=_stored(c["duty"]),
              tax=_stored(c["tax"]), fees=_stored(c["fees"]), total=_stored(c["total"]),
              hub_fee=_stored(c["hub_fee"]), snapshot=c)
        for c in consignments
    ]
    if snapshots:
        insert_encoded(orders, {"snapshot": snapshots})
    else:
        insert(orders)
    order_by_seller = {o.seller_id: o for o in orders}
    variant_seller = {ln.variant_id: ln.variant.seller_id for ln in lines}
    # the lines and reservations as values: no one gets them back
    quoted = [(c, ln) for c in consignments for ln in c["lines"]]
    line_ids = insert_values(OrderLine, _LINE_FIELDS, [
        (order_by_seller[c["seller_id"]].pk, ln["variant_id"], ln["quantity"], Decimal(ln["unit_price"]),
         c["seller_currency"], ln["hs_code"], ln["origin"], ln["title"]) for c, ln in quoted])
    line_by_variant = {(c["seller_id"], ln["variant_id"]): pk for (c, ln), pk in zip(quoted, line_ids, strict=True)}
    insert_values(StockReservation, ("line_id", "stock_id", "quantity"),
                   [(line_by_variant[(variant_seller[v], v)], lv.pk, q) for v, lv, q in picks])
    if not emptied:
        with connection.cursor() as cur:  # a quote is never of an empty cart
            cur.execute(_EMPTY_CART, [lines[0].cart_id])
    checkout_memo.cart_emptied(lines[0].cart_id)
    audit.record(actor, "market.place_order", group,
                 after={"orders": [o.reference for o in orders], "total": str(quote.total),
                        "currency": quote.currency})
    return Placed(group, orders)
