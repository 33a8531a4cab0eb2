"""The buyer's cart: lines from any number of sellers.

Every checkout reads the cart three times (to answer the edit, to quote, to place), so the lines
come in one query by buyer (no separate cart lookup) and an edit writes only what changed."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.permissions import require_role
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


def _first(queryset):
    # `[:1]`, not `.first()`: the lookups are unique, and first() adds an ORDER BY and a clone
    return next(iter(queryset[:1]), None)


def _set(actor: Actor, variant_id: int, quantity: int) -> tuple[Cart, list[CartLine]]:
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed.field("quantity", f"a whole number from 0 to {MAX_QUANTITY}")
    require_role(actor, [Role.BUYER])
    with transaction.atomic():
        variant = _first(Variant.objects.filter(pk=variant_id, product__status=Product.PUBLISHED)
                         .select_related("product"))
        if variant is None:
            raise NotFound("no published product variant with that id")
        # the cart row is locked (PostgreSQL) so concurrent edits of one cart apply one after the other
        cart = _first(Cart.objects.select_for_update().filter(buyer_id=actor.user_id))
        if cart is None:
            cart, _ = Cart.objects.get_or_create(buyer_id=actor.user_id)
        lines = lines_of(cart)
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
                raise ValidationFailed.field("variant_id", f"a cart holds at most {MAX_LINES} lines")
            line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
            lines = _sorted([*lines, line])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return cart, lines


def set_quantity(actor: Actor, variant_id: int, quantity: int) -> Cart:
    """Set a line's quantity (0 removes it). Only published products can be added."""
    return _set(actor, variant_id, quantity)[0]


def set_lines(actor: Actor, variant_id: int, quantity: int) -> list[CartLine]:
    """`set_quantity`, answering the cart's lines afterwards (as `buyer_lines` would) without
    reading them again."""
    return _set(actor, variant_id, quantity)[1]


def lines_of(cart: Cart) -> list[CartLine]:
    return _sorted(cart.lines.select_related("variant__product"))


def buyer_lines(actor: Actor) -> list[CartLine]:
    """The buyer's cart lines, in one query (an absent cart has none)."""
    require_role(actor, [Role.BUYER])
    return _sorted(CartLine.objects.filter(cart__buyer_id=actor.user_id).select_related("variant__product"))


def fingerprint(lines: list[CartLine]) -> str:
    """What a locked quote was computed for: variants, quantities and their prices."""
    text = ";".join(f"{ln.variant_id}:{ln.quantity}:{ln.variant.price_amount}:{ln.variant.currency}" for ln in lines)
    return hashlib.sha256(text.encode()).hexdigest()
