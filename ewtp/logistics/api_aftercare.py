"""Returns and claims API: the buyer asks for a return, the seller (or, late, the operator)
decides and confirms receipt; the buyer or seller files a claim and the operator decides it."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ewtp.accounts.api_auth import actor_of
from ewtp.core.actor import Actor
from ewtp.core.money import Money
from ewtp.core.parse import form_int
from ewtp.core.schemas import ERRORS, Input, ObjectId
from ewtp.logistics import claims, returns
from ewtp.logistics.models import Claim, ReturnRequest
from ewtp.payments import refund_retry

router = Router(tags=["returns and claims"])


class ReturnIn(Input):
    tracking_no: str = Field(..., min_length=1, max_length=32)
    reason: str = Field(..., min_length=1, max_length=500)


class DecisionIn(Input):
    approve: bool
    note: str = Field("", max_length=500)


class ReceiptIn(Input):
    condition: str = Field(..., min_length=1, max_length=200)


class WindowIn(Input):
    seller_id: int = Field(..., gt=0, le=2**63 - 1)
    window_days: int = Field(..., ge=0, le=365)


class WindowOut(Schema):
    seller_id: int
    window_days: int


class ReturnOut(Schema):
    id: int
    tracking_no: str
    order_ref: str
    state: str
    reason: str
    decision_note: str
    return_tracking_no: str | None
    return_label: str | None
    condition: str
    refund: str | None
    refund_source: str
    refund_state: str | None = Field(None, description="the refund's last attempt: requested, succeeded or failed "
                                                       "(a failed one waits in the operator's queue)")
    duty_tax_refund: str


class ClaimIn(Input):
    tracking_no: str = Field(..., min_length=1, max_length=32)
    kind: str = Field(..., pattern="^(lost|damaged)$")
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    evidence: list[str] = Field(..., min_length=1, max_length=10)


class ClaimDecisionIn(Input):
    approve: bool
    liable: str = Field("", pattern="^(carrier|hub|)$")
    carrier_code: str = Field("", max_length=16)
    note: str = Field("", max_length=500)


class ClaimOut(Schema):
    id: int
    tracking_no: str
    kind: str
    state: str
    amount: str
    currency: str
    evidence: list[str]
    liable: str
    carrier: str | None
    decision_note: str
    ledger_ref: str


def return_out(r: ReturnRequest, refund_states: dict[int, str] | None = None) -> dict:
    """The API's view of a return; `refund_states` (`refund_retry.latest_states`) read beforehand
    for a list, else looked up for this one."""
    refund_id = _refund_id(r.refund_ref)
    if refund_states is None and refund_id is not None:
        refund_states = refund_retry.latest_states([refund_id])
    back = r.return_shipment
    parcel = back.parcels.order_by("seq").first() if back else None
    return {"id": r.pk, "tracking_no": r.shipment.tracking_no, "order_ref": r.order_ref, "state": r.state,
            "reason": r.reason, "decision_note": r.decision_note,
            "return_tracking_no": back.tracking_no if back else None,
            "return_label": f"/api/v1/logistics/parcels/{parcel.tracking_no}/label.pdf" if parcel else None,
            "condition": r.condition,
            "refund": str(Money.from_minor(r.refund_minor, r.refund_currency).amount) if r.refund_currency else None,
            "refund_source": r.refund_source, "refund_state": (refund_states or {}).get(refund_id),
            "duty_tax_refund": r.duty_tax_refund}


def _refund_id(ref: str) -> int | None:
    """The payments refund a return names ("refund:<id>")."""
    return form_int(ref[7:], low=1) if ref.startswith("refund:") else None


def claim_out(c: Claim) -> dict:
    return {"id": c.pk, "tracking_no": c.shipment.tracking_no, "kind": c.kind, "state": c.state,
            "amount": str(Money.from_minor(c.amount_minor, c.currency).amount), "currency": c.currency,
            "evidence": c.evidence, "liable": c.liable,
            "carrier": c.liable_carrier.code if c.liable_carrier_id else None,
            "decision_note": c.decision_note, "ledger_ref": c.ledger_ref}


def visible_returns(actor: Actor):
    qs = ReturnRequest.objects.select_related("shipment", "return_shipment").order_by("-requested_at")
    return qs if actor.is_operator else qs.filter(Q(buyer_id=actor.user_id) | Q(seller_id__in=actor.org_ids))


def visible_claims(actor: Actor):
    qs = Claim.objects.select_related("shipment", "liable_carrier").order_by("-created_at")
    return qs if actor.is_operator else qs.filter(Q(claimant_id=actor.user_id) | Q(shipment__seller_id__in=actor.org_ids))


@router.post("/returns", response={201: ReturnOut, **ERRORS})
def ask_return(request: HttpRequest, payload: ReturnIn):
    return Status(201, return_out(returns.request_return(actor_of(request), payload.tracking_no, payload.reason)))


@router.get("/returns", response={200: list[ReturnOut], **ERRORS})
def list_returns(request: HttpRequest, state: str = ""):
    qs = visible_returns(actor_of(request))
    if state:
        qs = qs.filter(state=state[:12])
    rows = list(qs[:200])
    states = refund_retry.latest_states(i for r in rows if (i := _refund_id(r.refund_ref)) is not None)
    return [return_out(r, states) for r in rows]


@router.post("/returns/{return_id}/decision", response={200: ReturnOut, **ERRORS})
def decide_return(request: HttpRequest, return_id: ObjectId, payload: DecisionIn):
    return return_out(returns.decide(actor_of(request), return_id, payload.approve, payload.note))


@router.post("/returns/{return_id}/receipt", response={200: ReturnOut, **ERRORS})
def confirm_receipt(request: HttpRequest, return_id: ObjectId, payload: ReceiptIn):
    return return_out(returns.confirm_receipt(actor_of(request), return_id, payload.condition))


@router.put("/return-window", response={200: WindowOut, **ERRORS})
def set_window(request: HttpRequest, payload: WindowIn):
    policy = returns.set_window(actor_of(request), payload.seller_id, payload.window_days)
    return {"seller_id": policy.seller_id, "window_days": policy.window_days}


@router.post("/claims", response={201: ClaimOut, **ERRORS})
def file_claim(request: HttpRequest, payload: ClaimIn):
    c = claims.file_claim(actor_of(request), payload.tracking_no, payload.kind, payload.amount, payload.evidence)
    return Status(201, claim_out(c))


@router.get("/claims", response={200: list[ClaimOut], **ERRORS})
def list_claims(request: HttpRequest, state: str = ""):
    qs = visible_claims(actor_of(request))
    if state:
        qs = qs.filter(state=state[:10])
    return [claim_out(c) for c in qs[:200]]


@router.post("/claims/{claim_id}/decision", response={200: ClaimOut, **ERRORS})
def decide_claim(request: HttpRequest, claim_id: ObjectId, payload: ClaimDecisionIn):
    c = claims.decide(actor_of(request), claim_id, approve=payload.approve, liable=payload.liable,
                      carrier_code=payload.carrier_code, note=payload.note)
    return claim_out(c)
