"""Logistics operations API: consolidation scans (bags, master waybills, departure), manifests,
label and CN23 PDFs; returns and claims come from api_aftercare (mounted on this router)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema, Status

from ewtp.accounts.api_auth import actor_of
from ewtp.core.errors import ValidationFailed
from ewtp.core.schemas import ERRORS, Input
from ewtp.logistics import consolidation, manifest
from ewtp.logistics.api_aftercare import router as aftercare_router
from ewtp.logistics.documents import cn23, label
from ewtp.logistics.documents.common import parcel_for_documents
from ewtp.logistics.models import Bag, MasterWaybill

router = Router(tags=["logistics operations"])
router.add_router("", aftercare_router)
PDF = {"responses": {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


class BagIn(Input):
    origin_hub: str = Field(..., min_length=3, max_length=8)
    destination_hub: str = Field(..., min_length=3, max_length=8)


class BagOut(Schema):
    code: str
    origin_hub: str
    destination_hub: str
    status: str
    master_waybill: str | None
    parcels: int


class WaybillIn(Input):
    number: str = Field(..., min_length=6, max_length=20, description="IATA AWB (784-12345675) or bill of lading")
    lane_id: int = Field(..., gt=0, le=2**63 - 1)
    voyage: str = Field(..., min_length=1, max_length=40)
    departs_on: date


class WaybillOut(Schema):
    number: str
    lane_id: int
    carrier: str
    voyage: str
    departs_on: date
    status: str
    bags: list[str]


class ScanIn(Input):
    hub: str = Field(..., min_length=3, max_length=8)
    kind: str = Field(..., pattern="^(parcel_to_bag|bag_to_waybill)$")
    subject: str = Field(..., min_length=1, max_length=40, description="parcel tracking number or bag code")
    target: str = Field(..., min_length=1, max_length=40, description="bag code or master waybill number")


class ScanOut(Schema):
    id: int
    kind: str
    hub: str
    subject: str
    target: str
    scanned_at: str
    changed: bool


def _bag(b: Bag) -> dict:
    return {"code": b.code, "origin_hub": b.origin_hub.code, "destination_hub": b.destination_hub.code,
            "status": b.status, "master_waybill": b.master_waybill.number if b.master_waybill_id else None,
            "parcels": b.parcels.count()}


def _waybill(w: MasterWaybill) -> dict:
    return {"number": w.number, "lane_id": w.lane_id, "carrier": w.carrier.code, "voyage": w.voyage,
            "departs_on": w.departs_on, "status": w.status, "bags": list(w.bags.values_list("code", flat=True))}


@router.post("/bags", response={201: BagOut, **ERRORS})
def open_bag(request: HttpRequest, payload: BagIn):
    return Status(201, _bag(consolidation.create_bag(actor_of(request), payload.origin_hub, payload.destination_hub)))


@router.post("/bags/{code}/seal", response={200: BagOut, **ERRORS})
def seal_bag(request: HttpRequest, code: str):
    return _bag(consolidation.seal_bag(actor_of(request), code[:32]))


@router.post("/waybills", response={201: WaybillOut, **ERRORS})
def open_waybill(request: HttpRequest, payload: WaybillIn):
    wb = consolidation.create_waybill(actor_of(request), number=payload.number, lane_id=payload.lane_id,
                                      voyage=payload.voyage, departs_on=payload.departs_on)
    return Status(201, _waybill(wb))


@router.post("/waybills/{number}/depart", response={200: WaybillOut, **ERRORS})
def depart(request: HttpRequest, number: str):
    return _waybill(consolidation.depart(actor_of(request), number[:20]))


@router.post("/scans", response={200: ScanOut, 201: ScanOut, **ERRORS})
def scan(request: HttpRequest, payload: ScanIn):
    """One scan: a parcel into a bag, or a bag onto a master waybill. 201 when it moved something;
    200 when the same scan had already been made (nothing changes); 409 for a forbidden move."""
    s, changed = consolidation.scan(actor_of(request), hub=payload.hub, kind=payload.kind, subject=payload.subject,
                                    target=payload.target)
    out = {"id": s.pk, "kind": s.kind, "hub": s.hub.code, "subject": s.subject, "target": s.target,
           "scanned_at": s.scanned_at.isoformat(), "changed": changed}
    return Status(201 if changed else 200, out)


@router.get("/waybills/{number}/manifest", response={200: dict, **ERRORS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"schema": {"type": "object"}},
                                                           "text/csv": {"schema": {"type": "string"}}}}}})
def waybill_manifest(request: HttpRequest, number: str, format: str = "json"):  # noqa: A002 - the API's name
    if format not in ("json", "csv"):
        raise ValidationFailed.field("format", "json or csv")
    m = manifest.build(actor_of(request), number[:20])
    if format == "csv":
        resp = HttpResponse(manifest.to_csv(m), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="manifest-{m["waybill"]}.csv"'
        return resp
    return JsonResponse(m)


def _pdf(body: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(body, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{name}"'
    return resp


@router.get("/parcels/{tracking_no}/label.pdf", response={200: str, **ERRORS}, openapi_extra=PDF)
def label_pdf(request: HttpRequest, tracking_no: str):
    parcel = parcel_for_documents(actor_of(request), tracking_no[:32])
    return _pdf(label.render(parcel), f"label-{parcel.tracking_no}.pdf")


@router.get("/parcels/{tracking_no}/cn23.pdf", response={200: str, **ERRORS}, openapi_extra=PDF)
def cn23_pdf(request: HttpRequest, tracking_no: str):
    parcel = parcel_for_documents(actor_of(request), tracking_no[:32])
    return _pdf(cn23.render(parcel), f"cn23-{parcel.tracking_no}.pdf")

