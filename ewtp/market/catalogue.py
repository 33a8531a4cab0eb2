"""Catalogue use cases: products with variants, stock per warehouse, publishing, images."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from PIL import Image, UnidentifiedImageError

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.permissions import get_accessible, require_access
from ewtp.market.models import Product, ProductImage, SellerProfile, StockLevel, Variant, Warehouse
from ewtp.market.search import build_document, index_product
from ewtp.market.sellers import profile_for
from ewtp.rules.refdata import is_country, is_hs_subheading

MAX_IMAGE_BYTES = 8 * 1024 * 1024
IMAGE_SIZES = {"image": 1200, "thumbnail": 320}


@dataclass
class VariantSpec:
    sku: str
    price: str
    weight_kg: str
    name: str = ""
    length_cm: str = "0"
    width_cm: str = "0"
    height_cm: str = "0"


@dataclass
class ProductSpec:
    hs_code: str
    origin: str
    titles: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    variants: list[VariantSpec] = field(default_factory=list)


def _decimal(value: str, name: str, errors: dict, *, positive: bool = True, allow_zero: bool = False) -> Decimal:
    try:
        d = Decimal(str(value).strip())
        if not d.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[name] = ["not a decimal number"]
        return Decimal(0)
    if positive and (d < 0 or (d == 0 and not allow_zero)):
        errors[name] = ["must be greater than zero" if not allow_zero else "must not be negative"]
    return d


def _validate(spec: ProductSpec) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not is_hs_subheading(spec.hs_code):
        errors["hs_code"] = [f"{spec.hs_code!r} is not an HS 2022 subheading (6 digits)"]
    if not is_country(spec.origin):
        errors["origin"] = [f"unknown country code {spec.origin!r}"]
    if not any((spec.titles.get(lang) or "").strip() for lang in ("en", "zh_hans", "ms")):
        errors["titles"] = ["a title in at least one of en, zh_hans, ms"]
    for lang in {**spec.titles, **spec.descriptions}:
        if lang not in ("en", "zh_hans", "ms"):
            errors[f"titles.{lang}"] = ["languages are en, zh_hans and ms"]
    if not spec.variants:
        errors["variants"] = ["at least one variant (SKU)"]
    skus = [v.sku.strip() for v in spec.variants]
    if len(set(skus)) != len(skus):
        errors["variants"] = ["SKUs must be distinct"]
    for i, v in enumerate(spec.variants):
        if not v.sku.strip() or len(v.sku) > 64:
            errors[f"variants.{i}.sku"] = ["required, at most 64 characters"]
        _decimal(v.price, f"variants.{i}.price", errors)
        _decimal(v.weight_kg, f"variants.{i}.weight_kg", errors)
        for dim in ("length_cm", "width_cm", "height_cm"):
            _decimal(getattr(v, dim), f"variants.{i}.{dim}", errors, allow_zero=True)
    return errors


def _document(p: Product) -> str:
    texts = [p.title_en, p.title_zh_hans, p.title_ms, p.description_en, p.description_zh_hans, p.description_ms]
    return build_document(*texts, *(v.sku for v in p.variants.all()))


def create_product(actor: Actor, org_id: int, spec: ProductSpec) -> Product:
    profile = profile_for(actor, org_id)
    errors = _validate(spec)
    if errors:
        raise ValidationFailed("the product is not valid", fields=errors)
    try:
        with transaction.atomic():
            p = Product.objects.create(
                seller_id=org_id, hs_code=spec.hs_code, hs_chapter=spec.hs_code[:2], origin=spec.origin,
                seller_country=profile.country,
                **{f"title_{k}": (v or "").strip()[:200] for k, v in spec.titles.items()},
                **{f"description_{k}": (v or "").strip()[:5000] for k, v in spec.descriptions.items()},
            )
            Variant.objects.bulk_create(
                Variant(product=p, seller_id=org_id, sku=v.sku.strip(), name=v.name.strip()[:100],
                        price_amount=Decimal(v.price), currency=profile.base_currency, weight_kg=Decimal(v.weight_kg),
                        length_cm=Decimal(v.length_cm), width_cm=Decimal(v.width_cm), height_cm=Decimal(v.height_cm))
                for v in spec.variants
            )
            audit.record(actor, "market.create_product", p,
                         after={"hs_code": p.hs_code, "origin": p.origin, "skus": [v.sku for v in spec.variants]})
    except IntegrityError:
        raise ValidationFailed.field("variants", "one of these SKUs is already used by this seller") from None
    return p


def get_product(actor: Actor, product_id: int) -> Product:
    return get_accessible(actor, Product, "product", pk=product_id)


def publish(actor: Actor, product_id: int) -> Product:
    """Only verified sellers publish; a published product enters the search index."""
    with transaction.atomic():
        p = Product.objects.select_for_update().filter(pk=product_id).first()
        if p is None:
            raise NotFound("product not found")
        require_access(actor, p)
        status = SellerProfile.objects.filter(organisation_id=p.seller_id).values_list("status", flat=True).first()
        if status != SellerProfile.VERIFIED:
            raise Conflict("only verified sellers can publish products", code="seller_not_verified")
        if p.status != Product.DRAFT:
            raise Conflict(f"a {p.status} product cannot be published", code="invalid_transition")
        p.status = Product.PUBLISHED
        p.save(update_fields=["status"])
        index_product(p.pk, _document(p))
        audit.record(actor, "market.publish_product", p, before={"status": Product.DRAFT},
                     after={"status": Product.PUBLISHED})
    return p


def archive(actor: Actor, product_id: int) -> Product:
    with transaction.atomic():
        p = Product.objects.select_for_update().filter(pk=product_id).first()
        if p is None:
            raise NotFound("product not found")
        require_access(actor, p)
        if p.status == Product.ARCHIVED:
            raise Conflict("the product is already archived", code="invalid_transition")
        before = p.status
        p.status = Product.ARCHIVED
        p.save(update_fields=["status"])
        index_product(p.pk, None)
        audit.record(actor, "market.archive_product", p, before={"status": before}, after={"status": p.status})
    return p


def create_warehouse(actor: Actor, org_id: int, *, name: str, country: str, bonded_hub: str = "") -> Warehouse:
    profile = profile_for(actor, org_id)
    if not name.strip() or len(name) > 120:
        raise ValidationFailed.field("name", "required, at most 120 characters")
    if not is_country(country):
        raise ValidationFailed.field("country", f"unknown country code {country!r}")
    with transaction.atomic():
        w = Warehouse.objects.create(organisation_id=profile.organisation_id, name=name.strip(), country=country,
                                     bonded_hub=bonded_hub.strip()[:20])
        audit.record(actor, "market.create_warehouse", w, after={"name": w.name, "bonded_hub": w.bonded_hub})
    return w


def variant_and_warehouse(actor: Actor, variant_id: int, warehouse_id: int) -> tuple[Variant, Warehouse]:
    """Both, if the actor may manage them (404 otherwise)."""
    v = Variant.objects.filter(pk=variant_id).first()
    w = Warehouse.objects.filter(pk=warehouse_id).first()
    if v is None or w is None:
        raise NotFound("variant or warehouse not found")
    require_access(actor, v)
    require_access(actor, w)
    return v, w


def set_stock(actor: Actor, variant_id: int, warehouse_id: int, on_hand: int) -> StockLevel:
    if not isinstance(on_hand, int) or on_hand < 0 or on_hand > 10_000_000:
        raise ValidationFailed.field("on_hand", "a whole number from 0 to 10,000,000")
    with transaction.atomic():
        v, w = variant_and_warehouse(actor, variant_id, warehouse_id)
        level, _ = StockLevel.objects.select_for_update().get_or_create(variant=v, warehouse=w)
        if on_hand < level.reserved:
            raise Conflict(f"{level.reserved} units are reserved by open orders; on hand cannot go below that",
                           code="stock_reserved")
        before = level.on_hand
        level.on_hand = on_hand
        level.save(update_fields=["on_hand"])
        audit.record(actor, "market.set_stock", level, before={"on_hand": before}, after={"on_hand": on_hand})
    return level


def _resized(img: Image.Image, longest: int) -> tuple[bytes, int, int]:
    copy = img.copy()
    copy.thumbnail((longest, longest))
    buf = io.BytesIO()
    copy.convert("RGB").save(buf, format="JPEG", quality=85, optimize=True)
    return buf.getvalue(), copy.width, copy.height


def add_image(actor: Actor, product_id: int, upload: UploadedFile) -> ProductImage:
    """Decoded and re-encoded server-side (which also strips metadata), at two sizes."""
    p = get_product(actor, product_id)
    if upload.size is None or upload.size > MAX_IMAGE_BYTES:
        raise ValidationFailed.field("image", "at most 8 MB")
    try:
        img = Image.open(upload)
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed.field("image", "not a readable image") from None
    big, width, height = _resized(img, IMAGE_SIZES["image"])
    small, _, _ = _resized(img, IMAGE_SIZES["thumbnail"])
    with transaction.atomic():
        pos = p.images.count()
        pi = ProductImage(product=p, width=width, height=height, position=pos)
        pi.image.save(f"p{p.pk}-{pos}.jpg", ContentFile(big), save=False)
        pi.thumbnail.save(f"p{p.pk}-{pos}-t.jpg", ContentFile(small), save=False)
        pi.save()
        audit.record(actor, "market.add_image", pi, after={"product": p.pk, "width": width, "height": height})
    return pi
