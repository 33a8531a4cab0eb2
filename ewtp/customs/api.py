"""Customs API: documents pushed by their responsible parties (JSON or the official CEB XML),
parcels and their reconciliation, declarations and officer actions, risk rules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ewtp.accounts.api_auth import actor_of
from ewtp.core.errors import NotFound
from ewtp.core.permissions import require_role
from ewtp.core.schemas import ERRORS, Input
from ewtp.customs import declarations, services
from ewtp.customs.api_returns import router as returns_router
from ewtp.customs.models import Declaration, Parcel, RiskRule, TradeDocument

router = Router(tags=["customs"])
router.add_router("/returns", returns_router)

_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "description": "the document with the official camelCase "
                                    "field names; order and inventory lines under \"lines\"; amounts as strings"}},
    "application/xml": {"schema": {"type": "string", "description": "a CEB311/411/511/621 message"}}}}}


class DiscrepancyOut(Schema):
    field: str
    rule: str
    values: dict[str, str]


class ParcelOut(Schema):
    order_no: str
    jurisdiction: str
    status: str
    discrepancies: list[DiscrepancyOut]
    checks: int
    declaration_id: int | None = None
    declaration_status: str | None = None
    lane: str | None = None


class PushedOut(Schema):
    kind: str
    order_no: str
    version: int
    outcome: str
    parcel: ParcelOut


class PushOut(Schema):
    results: list[PushedOut]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str
    at: str


class DeclarationOut(Schema):
    id: int
    number: str
    order_no: str
    jurisdiction: str
    regime: str
    status: str
    status_label: str
    lane: str
    lane_reasons: list[dict[str, Any]]
    declarant: str
    withholding_agent: str
    currency: str
    customs_value: str
    duty: str
    tax_total: str
    tax_source: str
    charges: list[dict[str, Any]] | None = None
    released_at: str | None = None
    lines: list[dict[str, Any]]
    reason: str
    events: list[EventOut]
    documents: dict[str, dict[str, Any]]


class ActionIn(Input):
    reason: str = ""


class RiskRuleIn(Input):
    kind: str
    lane: str
    params: dict[str, Any]
    active: bool = True
    note: str = Field("", max_length=200)
    jurisdiction: str | None = Field(None, pattern="^[A-Za-z]{2}$",
                                     description="ISO country code; a new rule defaults to CN, an update keeps its own")


class RiskRuleOut(Schema):
    id: int
    kind: str
    lane: str
    params: dict[str, Any]
    active: bool
    note: str
    jurisdiction: str


def parcel_out(p: Parcel) -> dict:
    decl = Declaration.objects.filter(parcel=p).first()
    return {"order_no": p.order_no, "jurisdiction": p.jurisdiction, "status": p.status,
            "discrepancies": p.discrepancies, "checks": p.checks, "declaration_id": decl.pk if decl else None,
            "declaration_status": decl.status if decl else None, "lane": decl.lane if decl else None}


def declaration_out(d: Declaration) -> dict:
    docs = {r.kind: r.fields for r in TradeDocument.objects.filter(order_no=d.parcel.order_no, current=True)}
    return {
        "id": d.pk, "number": d.number, "order_no": d.parcel.order_no, "jurisdiction": d.jurisdiction,
        "regime": d.regime, "status": d.status, "status_label": declarations.STATUS_LABELS.get(d.status, ""),
        "lane": d.lane, "lane_reasons": d.lane_reasons, "declarant": d.declarant,
        "withholding_agent": d.withholding_agent, "currency": d.currency, "customs_value": str(d.customs_value),
        "duty": str(d.duty), "tax_total": str(d.tax_total), "tax_source": d.tax_source, "charges": d.charges,
        "released_at": d.released_at.isoformat() if d.released_at else None, "lines": d.lines,
        "reason": d.reason, "documents": docs,
        "events": [{"action": e.action, "from_status": e.from_status, "to_status": e.to_status, "actor": e.actor,
                    "note": e.note, "at": e.at.isoformat()} for e in d.events.all()],
    }


@router.post("/documents/{kind}", response={200: PushOut, **ERRORS}, openapi_extra=_BODY)
def push_document(request: HttpRequest, kind: str, jurisdiction: str = "CN"):
    """Push an order (sellers / the hub), payment (payment partners), waybill (logistics partners)
    or inventory list, as JSON or as the official CEB XML (Content-Type: application/xml).
    `?jurisdiction=`: the destination's customs (default CN; others take JSON only)."""
    results = services.push_documents(actor_of(request), kind, request.body, request.content_type or "",
                                      jurisdiction)
    return {"results": [{"kind": r.kind, "order_no": r.order_no, "version": r.version, "outcome": r.outcome,
                         "parcel": parcel_out(r.parcel)} for r in results]}


@router.get("/parcels/{order_no}", response={200: ParcelOut, **ERRORS})
def get_parcel(request: HttpRequest, order_no: str):
    return parcel_out(services.get_parcel(actor_of(request), order_no))


@router.get("/queue", response={200: list[ParcelOut], **ERRORS})
def queue(request: HttpRequest):
    """Unmatched parcels with their discrepancies (customs officers: their jurisdiction)."""
    parcels, _ = services.officer_queue(actor_of(request))
    return [parcel_out(p) for p in parcels]


@router.get("/declarations/{decl_id}", response={200: DeclarationOut, **ERRORS})
def get_declaration(request: HttpRequest, decl_id: int):
    d = Declaration.objects.select_related("parcel").filter(pk=decl_id).first()
    if d is None:
        raise NotFound("Declaration not found")
    declarations.require_declaration_access(actor_of(request), d)
    return declaration_out(d)


@router.post("/declarations/{decl_id}/{action}", response={200: DeclarationOut, **ERRORS})
def act(request: HttpRequest, decl_id: int, action: str, payload: ActionIn):
    """Officer actions: hold, request_documents (reason), conclude, release, reject (reason)."""
    d = declarations.officer_action(actor_of(request), decl_id, action.replace("-", "_"), payload.reason)
    return declaration_out(Declaration.objects.select_related("parcel").get(pk=d.pk))


@router.get("/risk-rules", response={200: list[RiskRuleOut], **ERRORS})
def list_rules(request: HttpRequest):
    actor = actor_of(request)
    require_role(actor, ["customs_officer"])
    qs = RiskRule.objects.order_by("pk")
    if not actor.is_operator:
        qs = qs.filter(jurisdiction=actor.jurisdiction)
    return [_rule_out(r) for r in qs]


def _rule_out(r: RiskRule) -> dict:
    return {"id": r.pk, "kind": r.kind, "lane": r.lane, "params": r.params, "active": r.active, "note": r.note,
            "jurisdiction": r.jurisdiction}


@router.post("/risk-rules", response={200: RiskRuleOut, **ERRORS})
def create_rule(request: HttpRequest, payload: RiskRuleIn):
    return _rule_out(services.save_risk_rule(actor_of(request), **payload.dict()))


@router.put("/risk-rules/{rule_id}", response={200: RiskRuleOut, **ERRORS})
def update_rule(request: HttpRequest, rule_id: int, payload: RiskRuleIn):
    return _rule_out(services.save_risk_rule(actor_of(request), rule_id=rule_id, **payload.dict()))
