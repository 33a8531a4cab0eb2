"""Tracking API: carriers post batches of events with their partner token; the parties of a
shipment read its tracking and its EPCIS 2.0 export."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import AwareDatetime, BaseModel, ConfigDict

from ewtp.accounts.api_auth import actor_of
from ewtp.core.errors import NotFound
from ewtp.core.permissions import require_access
from ewtp.core.schemas import ERRORS
from ewtp.logistics import epcis
from ewtp.logistics.eta import estimate_delivery
from ewtp.logistics.models import Shipment
from ewtp.logistics.tracking import EventData, find_shipment, history, ingest, local_time

router = Router(tags=["logistics"])
MAX_BATCH = 5000


class _Row(BaseModel):
    """Rows of a batch: plain pydantic models (thousands per request; Ninja's Schema runs an extra
    Python validator per object), with the rules of `Input` checked inside pydantic-core: unknown
    fields refused, text stripped, no NUL (pattern) and no lone surrogate (pydantic refuses those)."""

    model_config = ConfigDict(extra="forbid", str_max_length=2000, str_strip_whitespace=True)


NO_NUL = r"^[^\x00]*$"


class ProofIn(_Row):
    signature: str = Field("", max_length=120, pattern=NO_NUL, description="the receiver's name as signed")
    photo: str = Field("", max_length=300, pattern=NO_NUL,
                       description="reference of the proof-of-delivery photo")


class EventIn(_Row):
    event_id: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL,
                          description="the carrier's own id of this event")
    tracking_number: str = Field(..., min_length=1, max_length=40, pattern=NO_NUL,
                                 description="the carrier's leg number, or the hub's shipment or parcel number")
    code: str = Field(..., min_length=1, max_length=32, pattern=NO_NUL, description="the carrier's raw status code")
    text: str = Field("", max_length=200, pattern=NO_NUL)
    occurred_at: AwareDatetime = Field(..., description="when it happened, with the local UTC offset")
    location: str = Field("", max_length=120, pattern=NO_NUL, description="hub code or place name")
    country: str = Field("", pattern=r"^([A-Z]{2})?$")
    proof: ProofIn | None = Field(None, description="required for a delivery")


class BatchIn(_Row):
    carrier: str = Field(..., min_length=1, max_length=16, pattern=NO_NUL,
                         description="the carrier's code, e.g. DHLX")
    events: list[EventIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class BatchOut(Schema):
    """Counts, and the event ids that were not simply stored (a batch's answer stays small)."""

    created: int
    duplicates: int
    unknown_codes: int
    duplicate_ids: list[str] = Field(description="already received: skipped")
    unknown_code_ids: list[str] = Field(description="stored and flagged: the code is not in the carrier's table")


class TrackingEventOut(Schema):
    occurred_at: datetime
    carrier: str
    raw_code: str
    raw_text: str
    status: str
    reason: str
    unknown_code: bool
    location: str
    country: str
    leg: int | None


class TrackingOut(Schema):
    tracking_no: str
    status: str
    status_reason: str
    status_at: datetime | None
    estimated_delivery: date | None
    delivered_at: datetime | None
    events: list[TrackingEventOut]


@router.post("/events", response={200: BatchOut, **ERRORS})
def post_events(request: HttpRequest, payload: BatchIn):
    """A carrier's batch of tracking events (its partner token; only for legs it runs). Idempotent
    by (carrier, event_id); a delivery needs proof; unknown codes are kept and flagged."""
    events = [EventData(event_id=e.event_id, tracking_number=e.tracking_number, code=e.code, text=e.text,
                        occurred_at=e.occurred_at, location=e.location, country=e.country,
                        proof=e.proof.model_dump() if e.proof else None) for e in payload.events]
    r = ingest(actor_of(request), payload.carrier, events)
    return {"created": r.created, "duplicates": r.duplicates, "unknown_codes": r.unknown_codes,
            "duplicate_ids": r.duplicate_ids, "unknown_code_ids": r.unknown_code_ids}


def _shipment(request: HttpRequest, tracking_no: str) -> Shipment:
    s = find_shipment(tracking_no)
    if s is None:
        raise NotFound("Shipment not found")
    require_access(actor_of(request), s)  # buyer, seller, the carriers of its legs, operator
    return s


@router.get("/shipments/{tracking_no}/tracking", response={200: TrackingOut, **ERRORS})
def get_tracking(request: HttpRequest, tracking_no: str):
    s = _shipment(request, tracking_no)
    hist = history(s)
    events = [{"occurred_at": local_time(e),
               "carrier": e.carrier.code, "raw_code": e.raw_code, "raw_text": e.raw_text, "status": e.status,
               "reason": e.reason, "unknown_code": e.unknown_code, "location": e.location, "country": e.country,
               "leg": e.leg.seq if e.leg else None} for e in hist]
    return {"tracking_no": s.tracking_no, "status": s.status, "status_reason": s.status_reason,
            "status_at": s.status_at, "estimated_delivery": estimate_delivery(s, events=hist), "delivered_at": s.delivered_at,
            "events": events}


@router.get("/shipments/{tracking_no}/epcis", response={200: dict, **ERRORS}, url_name="logistics-epcis")
def get_epcis(request: HttpRequest, tracking_no: str):
    """The shipment's events as a GS1 EPCIS 2.0 JSON-LD document, valid against the official schema."""
    import json

    doc = epcis.export(_shipment(request, tracking_no))
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type="application/ld+json")
