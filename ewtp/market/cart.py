"""The buyer's cart: lines from any number of sellers.

Every checkout reads the cart three times (to answer the edit, to quote, to place; once through
`placement.buy`, which passes the edit's lines on), so the lines come in one query by buyer (no
separate cart lookup) and an edit writes only what changed. The queries run on every checkout are
compiled once (`CompiledQuery`), and an edit finds, creates, locks and touches the cart in one
statement."""

from __future__ import annotations

import hashlib
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from ewtp.core.actor import Actor, Role
from ewtp.core.compiled import CompiledQuery, insert
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.permissions import require_role
from ewtp.market import checkout_memo
from ewtp.market.models import Cart, CartLine, Product, Variant

MAX_LINES, MAX_QUANTITY = 50, 999


def cart_for(actor: Actor) -> Cart:
    require_role(actor, [Role.BUYER])
    cart, _ = Cart.objects.get_or_create(buyer_id=actor.user_id)
    return cart


def _sorted(lines) -> list[CartLine]:
    """Lines grouped by seller, the order a quote prices them in (sorted here: an ORDER BY across
    the join cost more to build than the query took to run)."""
    return sorted(lines, key=lambda ln: (ln.variant.seller_id, ln.variant_id))


_published_variants = CompiledQuery(lambda pks: Variant.objects.filter(pk__in=pks, product__status=Product.PUBLISHED)
                                    .select_related("product"))


def _bad_quantity() -> ValidationFailed:
    return ValidationFailed.field("quantity", f"a whole number from 0 to {MAX_QUANTITY}")


def _quantity_ok(quantity: object) -> bool:
    return isinstance(quantity, int) and 0 <= quantity <= MAX_QUANTITY


def _not_published() -> NotFound:
    return NotFound("no published product variant with that id")


def _cart_full() -> ValidationFailed:
    return ValidationFailed.field("variant_id", f"a cart holds at most {MAX_LINES} lines")
_lines_by_cart = CompiledQuery(lambda cart_id: CartLine.objects.filter(cart_id=cart_id).select_related("variant__product"))
_lines_by_buyer = CompiledQuery(lambda buyer_id: CartLine.objects.filter(cart__buyer_id=buyer_id)
                                .select_related("variant__product"))
_T = Cart._meta.db_table
# the buyer's cart, created when missing, its updated_at set: one statement, which on PostgreSQL
# also locks the row, so concurrent edits of one cart apply one after the other
_TOUCH = (f"INSERT INTO {_T} (buyer_id, updated_at) VALUES (%s, %s) "  # noqa: S608
          "ON CONFLICT (buyer_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id")


def _touch_cart(buyer_id: int) -> Cart:
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(_TOUCH, [buyer_id, connection.ops.adapt_datetimefield_value(now)])
        (cart_id,) = cur.fetchone()
    return Cart.from_db(connection.alias, ["id", "buyer_id", "updated_at"], [cart_id, buyer_id, now])


def _set(actor: Actor, variant_id: int, quantity: int) -> tuple[Cart, list[CartLine]]:
    if not _quantity_ok(quantity):
        raise _bad_quantity()
    require_role(actor, [Role.BUYER])
    with transaction.atomic():
        found = _published_variants([variant_id])
        if not found:
            raise _not_published()
        variant = found[0]
        cart = _touch_cart(actor.user_id)
        checkout_memo.take_empty(cart.pk)  # this edit may write a line: no longer known empty
        lines = _sorted(_lines_by_cart(cart.pk))
        current = next((ln for ln in lines if ln.variant_id == variant.pk), None)
        if quantity == 0:
            if current is not None:
                CartLine.objects.filter(pk=current.pk).delete()
                lines.remove(current)
        elif current is not None:
            if current.quantity != quantity:
                CartLine.objects.filter(pk=current.pk).update(quantity=quantity)
                current.quantity = quantity
        else:
            if len(lines) >= MAX_LINES:
                raise _cart_full()
            line = insert([CartLine(cart=cart, variant=variant, quantity=quantity)])[0]
            lines = _sorted([*lines, line])
    return cart, lines


def set_quantity(actor: Actor, variant_id: int, quantity: int) -> Cart:
    """Set a line's quantity (0 removes it). Only published products can be added."""
    return _set(actor, variant_id, quantity)[0]


def set_lines(actor: Actor, variant_id: int, quantity: int) -> list[CartLine]:
    """`set_quantity`, answering the cart's lines afterwards (as `buyer_lines` would) without
    reading them again."""
    return _set(actor, variant_id, quantity)[1]


def set_quantities(actor: Actor, quantities: list[tuple[int, int]]) -> Cart | None:
    """`set_quantity` for each (variant id, quantity) in turn, with the same checks, in one
    transaction of a few statements (the variants read at once, the cart touched once, the new
    lines written in one insert). As one by one, the pairs before a refused one stay set and the
    refusal is raised. Answers the cart (None for no pairs)."""
    return _set_many(actor, quantities)[0]


def set_quantities_lines(actor: Actor, quantities: list[tuple[int, int]]) -> list[CartLine]:
    """`set_quantities` inside the caller's transaction (no savepoint of its own: a refusal comes
    before anything is written, or after what one by one would have kept), answering the cart's
    lines afterwards (as `buyer_lines` would) without reading them again when it knows them."""
    if not connection.in_atomic_block:
        raise RuntimeError("set_quantities_lines runs inside the caller's transaction")
    lines = _set_many(actor, quantities, savepoint=False)[1]
    return buyer_lines(actor) if lines is None else lines


def set_quantities_held(actor: Actor, quantities: list[tuple[int, int]]) -> tuple[list[CartLine], list[CartLine]]:
    """`set_quantities_lines` for a caller that will place these lines in the same transaction
    (`placement.buy`), which empties the cart again: when the cart held no lines, the new ones are
    not inserted but answered as well, unsaved (in the order `set_quantities` inserts them), for
    the caller to `insert` should it not place them after all. Otherwise (second answer empty)
    the lines are written, as `set_quantities_lines` writes them."""
    if not connection.in_atomic_block:
        raise RuntimeError("set_quantities_held runs inside the caller's transaction")
    held: list[CartLine] = []
    lines = _set_many(actor, quantities, savepoint=False, held=held)[1]
    return (buyer_lines(actor) if lines is None else lines), held


def _set_many(actor: Actor, quantities: list[tuple[int, int]], *, savepoint: bool = True,
              held: list[CartLine] | None = None) -> tuple[Cart | None, list[CartLine] | None]:
    """`set_quantities`, with the cart's lines afterwards (None where it did not read them).
    `held`: filled with the new lines instead of inserting them, when the cart held none and every
    pair was set (see `set_quantities_held`)."""
    if len({v for v, _ in quantities}) < len(quantities):  # one variant twice: as one by one, simply
        cart = None
        for variant_id, quantity in quantities:
            cart = set_quantity(actor, variant_id, quantity)
        return cart, None
    refusal: Exception | None = None
    for n, (_, quantity) in enumerate(quantities):  # the checks made before anything is read
        if not _quantity_ok(quantity):
            refusal, quantities = _bad_quantity(), quantities[:n]
            break
    if quantities or refusal is None:
        require_role(actor, [Role.BUYER])
    with transaction.atomic() if savepoint else nullcontext():
        variants = checkout_memo.variants([v for v, _ in quantities], _published_variants) if quantities else {}
        n = next((n for n, (v, _) in enumerate(quantities) if v not in variants), len(quantities))
        if n < len(quantities):
            refusal, quantities = _not_published(), quantities[:n]
        if not quantities:
            if refusal is not None:
                raise refusal
            return None, None
        cart = _touch_cart(actor.user_id)
        # a cart a placement of the checkout block emptied holds nothing to read
        current = {} if checkout_memo.take_empty(cart.pk) else {ln.variant_id: ln for ln in _lines_by_cart(cart.pk)}
        count, gone, changed, new = len(current), [], [], []
        for n, (variant_id, quantity) in enumerate(quantities):
            line = current.get(variant_id)
            if quantity == 0:
                if line is not None:
                    gone.append(line.pk)
                    del current[variant_id]
                    count -= 1
            elif line is not None:
                if line.quantity != quantity:
                    changed.append((line.pk, quantity))
                    line.quantity = quantity
            elif count >= MAX_LINES:
                refusal = _cart_full()
                if n == 0:  # nothing set: as one by one, not even the cart touched
                    raise refusal
                break
            else:
                new.append(CartLine(cart=cart, variant=variants[variant_id], quantity=quantity))
                count += 1
        if gone:
            CartLine.objects.filter(pk__in=gone).delete()
        for pk, quantity in changed:
            CartLine.objects.filter(pk=pk).update(quantity=quantity)
        if held is not None and not current and refusal is None:
            held.extend(new)  # an empty cart, all new lines: the caller inserts them if it must
        else:
            insert(new)
    if refusal is not None:
        raise refusal
    return cart, _sorted([*current.values(), *new])


def lines_of(cart: Cart) -> list[CartLine]:
    return _sorted(cart.lines.select_related("variant__product"))


def buyer_lines(actor: Actor) -> list[CartLine]:
    """The buyer's cart lines, in one query (an absent cart has none)."""
    require_role(actor, [Role.BUYER])
    return _sorted(_lines_by_buyer(actor.user_id))


def fingerprint(lines: list[CartLine]) -> str:
    """What a locked quote was computed for: variants, quantities and their prices."""
    text = ";".join(f"{ln.variant_id}:{ln.quantity}:{ln.variant.price_amount}:{ln.variant.currency}" for ln in lines)
    return hashlib.sha256(text.encode()).hexdigest()
