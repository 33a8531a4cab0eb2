"""The buyer's cart: lines from any number of sellers."""

from __future__ import annotations

import hashlib

from django.db import transaction

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.permissions import require_role
from ewtp.market.models import Cart, CartLine, Product, Variant

MAX_LINES, MAX_QUANTITY = 50, 999


def cart_for(actor: Actor) -> Cart:
    require_role(actor, [Role.BUYER])
    cart, _ = Cart.objects.get_or_create(buyer_id=actor.user_id)
    return cart


def set_quantity(actor: Actor, variant_id: int, quantity: int) -> Cart:
    """Set a line's quantity (0 removes it). Only published products can be added."""
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed.field("quantity", f"a whole number from 0 to {MAX_QUANTITY}")
    with transaction.atomic():
        cart = cart_for(actor)
        variant = Variant.objects.filter(pk=variant_id, product__status=Product.PUBLISHED).first()
        if variant is None:
            raise NotFound("no published product variant with that id")
        if quantity == 0:
            CartLine.objects.filter(cart=cart, variant=variant).delete()
        else:
            if cart.lines.exclude(variant=variant).count() >= MAX_LINES:
                raise ValidationFailed.field("variant_id", f"a cart holds at most {MAX_LINES} lines")
            CartLine.objects.update_or_create(cart=cart, variant=variant, defaults={"quantity": quantity})
        cart.save(update_fields=["updated_at"])
    return cart


def lines_of(cart: Cart) -> list[CartLine]:
    return list(cart.lines.select_related("variant__product").order_by("variant__seller_id", "variant_id"))


def fingerprint(lines: list[CartLine]) -> str:
    """What a locked quote was computed for: variants, quantities and their prices."""
    text = ";".join(f"{ln.variant_id}:{ln.quantity}:{ln.variant.price_amount}:{ln.variant.currency}" for ln in lines)
    return hashlib.sha256(text.encode()).hexdigest()
