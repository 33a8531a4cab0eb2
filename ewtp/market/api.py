"""Marketplace API: public catalogue browsing; seller onboarding and catalogue management."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from ewtp.accounts.api_auth import actor_of
from ewtp.core.currencies import is_currency
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.schemas import ERRORS, Input, ObjectId, QueryInput
from ewtp.market import catalogue, sellers
from ewtp.market.browse import SORTS, BrowseQuery, browse
from ewtp.market.catalogue import ProductSpec, VariantSpec
from ewtp.market.models import Product
from ewtp.market.pricing import fx_margin, rate_lookup

router = Router(tags=["marketplace"])
Decimal_ = Field(..., max_length=32, pattern=r"^\d{1,12}(\.\d{1,6})?$", description="decimal string")


class BrowseIn(QueryInput):
    q: str = Field("", max_length=200)
    chapter: str = Field("", max_length=2, pattern=r"^(\d{2})?$")
    origin: str = Field("", max_length=2, pattern=r"^([A-Z]{2})?$")
    seller_country: str = Field("", max_length=2, pattern=r"^([A-Z]{2})?$")
    min_price: Decimal | None = Field(None, ge=0, le=10**12)
    max_price: Decimal | None = Field(None, ge=0, le=10**12)
    currency: str = Field("USD", min_length=3, max_length=3)
    sort: str = Field("relevance", max_length=12)
    page: int = Field(1, ge=1, le=10000)
    size: int = Field(24, ge=1, le=100)


class ListingOut(Schema):
    id: int
    title: str
    hs_code: str
    origin: str
    seller_id: int
    seller_country: str
    price: str
    price_currency: str
    buyer_price: str
    buyer_currency: str


class BrowseOut(Schema):
    items: list[ListingOut]
    total: int
    page: int
    pages: int
    fx_margin: str = Field(..., description="the hub's FX margin included in buyer prices")


class ProfileIn(Input):
    legal_name: str = Field(..., max_length=200)
    country: str = Field(..., min_length=2, max_length=2)
    base_currency: str = Field(..., min_length=3, max_length=3)
    address: str = Field(..., max_length=500)


class ProfileOut(Schema):
    organisation_id: int
    legal_name: str
    country: str
    base_currency: str
    status: str
    rejection_reason: str
    payout_hint: str


class RegistrationIn(Input):
    scheme: str = Field(..., max_length=10)
    number: str = Field(..., max_length=40)


class VerificationIn(Input):
    verified: bool
    reason: str = Field("", max_length=500)


class PayoutIn(Input):
    account_number: str = Field(..., max_length=40)
    bank_code: str = Field(..., max_length=20)


class VariantIn(Input):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field("", max_length=100)
    price: str = Decimal_
    weight_kg: str = Decimal_
    length_cm: str = Field("0", max_length=12)
    width_cm: str = Field("0", max_length=12)
    height_cm: str = Field("0", max_length=12)


class ProductIn(Input):
    hs_code: str = Field(..., max_length=6)
    origin: str = Field(..., min_length=2, max_length=2)
    titles: dict[str, str] = Field(..., description="by language: en, zh_hans, ms")
    descriptions: dict[str, str] = Field(default_factory=dict)
    variants: list[VariantIn] = Field(..., min_length=1, max_length=50)


class VariantOut(Schema):
    id: int
    sku: str
    name: str
    price: str
    currency: str


class ProductOut(Schema):
    id: int
    seller_id: int
    status: str
    hs_code: str
    origin: str
    title_en: str
    title_zh_hans: str
    title_ms: str
    variants: list[VariantOut]


class WarehouseIn(Input):
    name: str = Field(..., max_length=120)
    country: str = Field(..., min_length=2, max_length=2)
    bonded_hub: str = Field("", max_length=20)


class StockIn(Input):
    variant_id: int = Field(..., gt=0)
    warehouse_id: int = Field(..., gt=0)
    on_hand: int = Field(..., ge=0, le=10_000_000)


def _profile_out(p) -> dict:
    return {"organisation_id": p.organisation_id, "legal_name": p.legal_name, "country": p.country,
            "base_currency": p.base_currency, "status": p.status, "rejection_reason": p.rejection_reason,
            "payout_hint": p.payout_hint}


def _product_out(p: Product) -> dict:
    return {"id": p.pk, "seller_id": p.seller_id, "status": p.status, "hs_code": p.hs_code, "origin": p.origin,
            "title_en": p.title_en, "title_zh_hans": p.title_zh_hans, "title_ms": p.title_ms,
            "variants": [{"id": v.pk, "sku": v.sku, "name": v.name, "price": str(v.price_amount), "currency": v.currency}
                         for v in p.variants.order_by("pk")]}


@router.get("/products", auth=None, response={200: BrowseOut, **ERRORS})
def browse_products(request: HttpRequest, params: Query[BrowseIn]):
    if not is_currency(params.currency):
        raise ValidationFailed.field("currency", f"unknown currency code {params.currency!r}")
    if params.sort not in SORTS:
        raise ValidationFailed.field("sort", f"one of {', '.join(sorted(SORTS))}")
    page = browse(BrowseQuery(**params.dict()), rate_lookup())
    return {
        "items": [{"id": i.product.pk, "title": i.product.title(), "hs_code": i.product.hs_code,
                   "origin": i.product.origin, "seller_id": i.product.seller_id,
                   "seller_country": i.product.seller_country, "price": str(i.price.rounded().amount),
                   "price_currency": i.price.currency, "buyer_price": str(i.buyer_price.rounded().amount),
                   "buyer_currency": i.buyer_price.currency} for i in page.items],
        "total": page.total, "page": page.page, "pages": page.pages, "fx_margin": str(fx_margin()),
    }


@router.get("/products/{product_id}", auth=None, response={200: ProductOut, **ERRORS})
def product_detail(request: HttpRequest, product_id: ObjectId):
    p = Product.objects.filter(pk=product_id, status=Product.PUBLISHED).first()
    if p is None:
        raise NotFound("product not found")
    return _product_out(p)


@router.post("/sellers/{org_id}/profile", response={200: ProfileOut, **ERRORS})
def onboard(request: HttpRequest, org_id: ObjectId, payload: ProfileIn):
    return _profile_out(sellers.onboard(actor_of(request), org_id, **payload.dict()))


@router.get("/sellers/{org_id}/profile", response={200: ProfileOut, **ERRORS})
def get_profile(request: HttpRequest, org_id: ObjectId):
    return _profile_out(sellers.profile_for(actor_of(request), org_id))


@router.post("/sellers/{org_id}/registrations", response={201: RegistrationIn, **ERRORS})
def add_registration(request: HttpRequest, org_id: ObjectId, payload: RegistrationIn):
    reg = sellers.add_registration(actor_of(request), org_id, payload.scheme, payload.number)
    return Status(201, {"scheme": reg.scheme, "number": reg.number})


@router.post("/sellers/{org_id}/verification", response={200: ProfileOut, **ERRORS})
def decide_verification(request: HttpRequest, org_id: ObjectId, payload: VerificationIn):
    return _profile_out(sellers.decide_verification(actor_of(request), org_id, **payload.dict()))


@router.post("/sellers/{org_id}/payout-account", response={200: ProfileOut, **ERRORS})
def payout_account(request: HttpRequest, org_id: ObjectId, payload: PayoutIn):
    return _profile_out(sellers.set_payout_account(actor_of(request), org_id, **payload.dict()))


@router.get("/sellers/{org_id}/products", response={200: list[ProductOut], **ERRORS})
def seller_products(request: HttpRequest, org_id: ObjectId):
    sellers.profile_for(actor_of(request), org_id)  # access check
    return [_product_out(p) for p in Product.objects.filter(seller_id=org_id).prefetch_related("variants")
            .order_by("-pk")[:200]]


@router.post("/sellers/{org_id}/products", response={201: ProductOut, **ERRORS})
def create_product(request: HttpRequest, org_id: ObjectId, payload: ProductIn):
    spec = ProductSpec(hs_code=payload.hs_code, origin=payload.origin, titles=payload.titles,
                       descriptions=payload.descriptions,
                       variants=[VariantSpec(**v.dict()) for v in payload.variants])
    return Status(201, _product_out(catalogue.create_product(actor_of(request), org_id, spec)))


@router.post("/products/{product_id}/publish", response={200: ProductOut, **ERRORS})
def publish(request: HttpRequest, product_id: ObjectId):
    return _product_out(catalogue.publish(actor_of(request), product_id))


@router.post("/products/{product_id}/archive", response={200: ProductOut, **ERRORS})
def archive(request: HttpRequest, product_id: ObjectId):
    return _product_out(catalogue.archive(actor_of(request), product_id))


@router.post("/sellers/{org_id}/warehouses", response={201: dict, **ERRORS})
def create_warehouse(request: HttpRequest, org_id: ObjectId, payload: WarehouseIn):
    w = catalogue.create_warehouse(actor_of(request), org_id, **payload.dict())
    return Status(201, {"id": w.pk, "name": w.name, "country": w.country, "bonded_hub": w.bonded_hub})


@router.put("/stock", response={200: dict, **ERRORS})
def set_stock(request: HttpRequest, payload: StockIn):
    level = catalogue.set_stock(actor_of(request), payload.variant_id, payload.warehouse_id, payload.on_hand)
    return {"variant_id": level.variant_id, "warehouse_id": level.warehouse_id, "on_hand": level.on_hand,
            "reserved": level.reserved, "available": level.available}
