"""Editing stock on hand from the seller console, with an optimistic check: the seller sends the
quantity they saw; if it changed meanwhile (an order reserved or another person edited it), the
edit is refused with 409 and nothing changes, so nobody overwrites a figure they never saw."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.parse import digits
from ewtp.core.permissions import require_role
from ewtp.market.catalogue import variant_and_warehouse
from ewtp.market.models import StockLevel, Variant, Warehouse

MAX_ON_HAND = 10_000_000


@dataclass
class StockRow:
    variant_id: int
    warehouse_id: int
    sku: str
    title: str
    warehouse: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _whole(name: str, raw: str | int | None, *, low: int = 0) -> int:
    text = str(raw if raw is not None else "").strip()
    if not digits(text) or not low <= int(text) <= MAX_ON_HAND:
        raise ValidationFailed.field(name, f"a whole number from {low:,} to {MAX_ON_HAND:,}")
    return int(text)


def stock_rows(org_ids: frozenset[int] | set[int]) -> list[StockRow]:
    """Every variant of the organisations' products × each of their warehouses (0 where no row yet)."""
    levels = {(s.variant_id, s.warehouse_id): s for s in StockLevel.objects.filter(variant__seller_id__in=org_ids)}
    warehouses = list(Warehouse.objects.filter(organisation_id__in=org_ids).order_by("name", "pk"))
    rows = []
    for v in Variant.objects.filter(seller_id__in=org_ids).select_related("product").order_by("product_id", "pk"):
        for w in warehouses:
            if w.organisation_id != v.seller_id:
                continue
            rows.append(_row(v, w, levels.get((v.pk, w.pk))))
    return rows


def _row(v: Variant, w: Warehouse, s: StockLevel | None) -> StockRow:
    # the title in the reader's language, falling back to the others (Product.title)
    return StockRow(v.pk, w.pk, v.sku, v.product.title() or v.sku, w.name, s.on_hand if s else 0,
                    s.reserved if s else 0)


def row(variant_id: int, warehouse_id: int) -> StockRow:
    v = Variant.objects.select_related("product").get(pk=variant_id)
    w = Warehouse.objects.get(pk=warehouse_id)
    return _row(v, w, StockLevel.objects.filter(variant_id=variant_id, warehouse_id=warehouse_id).first())


def edit_stock(actor: Actor, variant_id: int, warehouse_id: int, on_hand: str | int, expected: str | int) -> StockLevel:
    """Set on hand to `on_hand` if it is still `expected`; never below what open orders reserve."""
    require_role(actor, [Role.SELLER])
    new, seen = _whole("on_hand", on_hand), _whole("expected", expected)
    with transaction.atomic():
        v, w = variant_and_warehouse(actor, variant_id, warehouse_id)
        if v.seller_id != w.organisation_id:
            raise NotFound("variant or warehouse not found")
        level, _ = StockLevel.objects.select_for_update().get_or_create(variant=v, warehouse=w)
        if level.on_hand != seen:
            raise Conflict(f"on hand changed to {level.on_hand} since you loaded the page; check it and try again",
                           code="stock_changed", fields={"on_hand": [f"now {level.on_hand}"]})
        if new < level.reserved:
            raise ValidationFailed.field("on_hand", f"at least {level.reserved}: reserved by open orders")
        before = level.on_hand
        if new != before:
            level.on_hand = new
            level.save(update_fields=["on_hand"])
            audit.record(actor, "market.edit_stock", level, before={"on_hand": before}, after={"on_hand": new})
    return level
