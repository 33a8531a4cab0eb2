"""POST /api/v1/logistics/quotes: the shipping quote over HTTP. Public like the landed-cost quote
(a quote changes nothing); bad input and unreachable corridors are 422 naming the fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ewtp.core.schemas import ERRORS, Input
from ewtp.logistics.quote import MAX_CM, MAX_KG, MAX_PARCELS, quote_shipping
from ewtp.logistics.rates import ParcelSpec

router = Router(tags=["logistics"], auth=None)


class ParcelIn(Input):
    weight_kg: Decimal = Field(..., gt=0, le=MAX_KG, description="actual weight in kg, e.g. \"1.2\"")
    length_cm: Decimal | None = Field(None, gt=0, le=MAX_CM)
    width_cm: Decimal | None = Field(None, gt=0, le=MAX_CM)
    height_cm: Decimal | None = Field(None, gt=0, le=MAX_CM)


class ShippingQuoteIn(Input):
    origin: str = Field(..., min_length=2, max_length=2, description="ISO 3166-1 alpha-2 of the sender")
    destination: str = Field(..., min_length=2, max_length=2)
    parcels: list[ParcelIn] = Field(..., min_length=1, max_length=MAX_PARCELS)
    date: dt.date | None = Field(None, description="the day whose rate tables apply (default today)")
    currency: str | None = Field(None, min_length=3, max_length=3, description="default: the destination's")
    prefer: str = Field("cheapest", pattern="^(cheapest|fastest)$")


class LegOut(Schema):
    seq: int
    kind: str
    mode: str
    carrier: str
    lane_id: int
    from_: str = Field(..., alias="from")
    to: str
    chargeable_kg: str
    price: str
    currency: str
    converted: str
    fx: dict
    transit_days: str
    rate_table: int
    effective_from: str


class ShippingQuoteOut(Schema):
    origin: str
    destination: str
    date: str
    prefer: str
    price: str
    currency: str
    transit_days: str
    estimate: dict
    route: list[str]
    legs: list[LegOut]
    lane_ids: list[int]
    routes_considered: int


@router.post("/quotes", response={200: ShippingQuoteOut, **ERRORS}, by_alias=True)
def shipping_quote(request: HttpRequest, payload: ShippingQuoteIn):
    parcels = [ParcelSpec(p.weight_kg, p.length_cm, p.width_cm, p.height_cm) for p in payload.parcels]
    return quote_shipping(parcels, payload.origin.upper(), payload.destination.upper(), on=payload.date,
                          currency=payload.currency.upper() if payload.currency else None,
                          prefer=payload.prefer).as_dict()
