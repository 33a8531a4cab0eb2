"""POST /api/v1/quotes: the landed-cost engine over HTTP. Public (no account needed): a quote
changes nothing. The body is the engine's own JSON contract (ewtp/rules/engine/inputs.py); bad
input is a 422 naming each field."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ewtp.core.errors import BadRequest
from ewtp.core.schemas import ERRORS
from ewtp.rules.engine import quote

router = Router(tags=["landed cost"], auth=None)

REQUEST_EXAMPLE = {
    "date": "2026-11-20", "destination": {"country": "AU"}, "ship_from": "US", "mode": "courier", "incoterm": "DDP",
    "currency": "USD", "prices_include_tax": False, "shipping": "18.30", "insurance": "0.00",
    "seller": {"country": "US", "registrations": ["AU-GST"]}, "buyer": {"id": "b-1", "cbec_used_this_year": "0.00"},
    "lines": [{"hs_code": "610910", "description": "cotton T-shirt", "origin": "CN", "quantity": 2,
               "unit_price": "10.00", "unit_weight_kg": "0.20", "duty_rate": None, "vat_rate": None,
               "excise_rate": None}],
}


@router.post("", response={200: dict, **ERRORS}, summary="Quote duty and import tax for a basket",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object"}, "example": REQUEST_EXAMPLE}}}})
def create_quote(request: HttpRequest):
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not valid JSON") from None
    return HttpResponse(json.dumps(quote(data)), content_type="application/json")
