"""POST /api/v1/quotes: the landed-cost engine over HTTP. Public (no account needed): a quote
changes nothing. The body is the engine's own JSON contract (ewtp/rules/engine/inputs.py); bad
input is a 422 naming each field."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ewtp.core.errors import BadRequest
from ewtp.core.parse import load_json
from ewtp.core.schemas import ERRORS
from ewtp.rules.engine import quote
from ewtp.rules.engine.inputs import INCOTERMS, MODES, REGISTRATIONS

router = Router(tags=["landed cost"], auth=None)

REQUEST_EXAMPLE = {
    "date": "2026-11-20", "destination": {"country": "AU"}, "ship_from": "US", "mode": "courier", "incoterm": "DDP",
    "currency": "USD", "prices_include_tax": False, "shipping": "18.30", "insurance": "0.00",
    "seller": {"country": "US", "registrations": ["AU-GST"]}, "buyer": {"id": "b-1", "cbec_used_this_year": "0.00"},
    "lines": [{"hs_code": "610910", "description": "cotton T-shirt", "origin": "CN", "quantity": 2,
               "unit_price": "10.00", "unit_weight_kg": "0.20", "duty_rate": None, "vat_rate": None,
               "excise_rate": None}],
}


_DEC = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal string"}
_RATE = {"anyOf": [_DEC, {"type": "null"}], "description": "fraction, e.g. \"0.05\"; overrides the rule pack"}
_CC = {"type": "string", "minLength": 2, "maxLength": 2, "description": "ISO 3166-1 alpha-2"}
REQUEST_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["date", "destination", "ship_from", "mode", "incoterm", "currency", "lines"],
    "properties": {
        "date": {"type": "string", "format": "date", "description": "day payment is accepted: selects rules and FX"},
        "destination": {"type": "object", "additionalProperties": False, "required": ["country"],
                        "properties": {"country": _CC, "subdivision": {"type": "string", "maxLength": 6}}},
        "ship_from": _CC,
        "mode": {"type": "string", "enum": list(MODES)},
        "incoterm": {"type": "string", "enum": list(INCOTERMS)},
        "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        "prices_include_tax": {"type": "boolean"},
        "shipping": _DEC, "insurance": _DEC,
        "seller": {"type": "object", "additionalProperties": False, "properties": {
            "country": _CC, "registrations": {"type": "array", "items": {"type": "string", "enum": list(REGISTRATIONS)}}}},
        "buyer": {"type": "object", "additionalProperties": False, "properties": {
            "id": {"type": "string"}, "cbec_used_this_year": _DEC}},
        "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["hs_code", "origin", "quantity", "unit_price"],
            "properties": {"hs_code": {"type": "string"}, "description": {"type": "string"}, "origin": _CC,
                           "quantity": {"type": "integer", "minimum": 1}, "unit_price": _DEC,
                           "unit_weight_kg": {"anyOf": [_DEC, {"type": "null"}]},
                           "duty_rate": _RATE, "vat_rate": _RATE, "excise_rate": _RATE}}},
        "fx": {"type": "array", "items": {"type": "object", "required": ["from", "to", "rate"], "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, "rate": _DEC}}},
    },
}
_RULE = {"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "string"},
                                          "source": {"type": "string"}}}
RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["destination", "currency", "date", "regime", "values", "charges", "totals", "fx", "explanation"],
    "properties": {
        "destination": {"type": "string"}, "currency": {"type": "string"}, "date": {"type": "string"},
        "regime": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                                    "low_value": {"type": "boolean"},
                                                    "collection": {"type": "string", "enum": ["checkout", "border"]}}},
        "values": {"type": "object", "properties": {"threshold": _DEC, "customs": _DEC, "tax_base": _DEC}},
        "charges": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["duty", "tax", "fee"]}, "name": {"type": "string"},
            "line": {"type": ["integer", "null"]}, "base": _DEC, "rate": {"anyOf": [_DEC, {"type": "null"}]},
            "amount": _DEC, "collected_at": {"type": "string", "enum": ["checkout", "border"]}, "rule": _RULE,
            "rate_source": {"type": "string"}}}},
        "totals": {"type": "object", "properties": {k: _DEC for k in ("duty", "tax", "fees", "at_checkout", "at_border")}},
        "fx": {"type": "array", "items": {"type": "object"}},
        "explanation": {"type": "array", "items": {"type": "string"}},
    },
}


@router.post("", response={200: dict, **ERRORS}, summary="Quote duty and import tax for a basket",
             openapi_extra={
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": REQUEST_SCHEMA, "example": REQUEST_EXAMPLE}}},
                 "responses": {"200": {"description": "the quote", "content": {"application/json": {
                     "schema": RESPONSE_SCHEMA}}}}})
def create_quote(request: HttpRequest):
    try:
        data = load_json(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    return HttpResponse(json.dumps(quote(data)), content_type="application/json")
