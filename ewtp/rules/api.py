"""Reference data API: countries, currencies, HS 2022. Public, read-only."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ewtp.core.errors import NotFound
from ewtp.core.schemas import ERRORS, QueryInput
from ewtp.rules.models import Country, Currency, HSCode
from ewtp.rules.refdata import search_hs

router = Router(tags=["reference data"], auth=None)


class CountryOut(Schema):
    alpha2: str
    alpha3: str
    numeric: str
    name_en: str
    name_zh_hans: str
    name_ms: str
    currency: str


class CurrencyOut(Schema):
    code: str
    numeric: str
    minor_unit: int
    name: str


class HSOut(Schema):
    code: str
    level: int
    parent: str | None = Field(None, alias="parent_id")
    section: str = Field(..., alias="section_id")
    description: str


class HSQuery(QueryInput):
    q: str = Field("", max_length=100, description="code prefix (digits) or words")
    level: int | None = Field(None, description="2, 4 or 6")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10000)


@router.get("/countries", response=list[CountryOut])
def countries(request: HttpRequest):
    return list(Country.objects.order_by("alpha2"))


@router.get("/countries/{code}", response={200: CountryOut, **ERRORS})
def country(request: HttpRequest, code: str):
    c = Country.objects.filter(alpha2=code.upper()[:2]).first()
    if c is None:
        raise NotFound(f"unknown country code {code!r}")
    return c


@router.get("/currencies", response=list[CurrencyOut])
def currencies(request: HttpRequest):
    return list(Currency.objects.all())


@router.get("/hs", response={200: list[HSOut], **ERRORS})
def hs_search(request: HttpRequest, params: Query[HSQuery]):
    level = params.level if params.level in (2, 4, 6) else None
    qs = search_hs(params.q, level) if params.q else HSCode.objects.filter(level=level or 2)
    return list(qs.order_by("code")[params.offset : params.offset + params.limit])


@router.get("/hs/{code}", response={200: HSOut, **ERRORS})
def hs_code(request: HttpRequest, code: str):
    c = HSCode.objects.filter(code=code[:6]).first()
    if c is None:
        raise NotFound(f"unknown HS code {code!r}")
    return c
