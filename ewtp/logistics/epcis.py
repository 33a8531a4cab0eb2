"""A shipment's tracking history as a GS1 EPCIS 2.0 JSON-LD document of ObjectEvents, validated
against the official EPCIS 2.0 JSON schema (schemas/epcis/, see SOURCE.md) before it leaves.

Each tracking event becomes one OBSERVE ObjectEvent: the parcels' identifiers in epcList, the
event time with the offset where it happened, bizStep and disposition from the CBV 2.0 vocabulary
(mapped from the normalised status), the hub's location as readPoint and bizLocation when the
scan happened at a hub. Events whose raw code is unknown keep no bizStep (nothing to claim), and
every event carries the carrier's raw code as an `ewtp:` extension."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path

from django.utils import timezone

from ewtp.logistics.models import Hub, Shipment, TrackingEvent
from ewtp.logistics.tracking import local_time

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "epcis"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
ID_BASE = "https://id.ewtp.example"  # the hub's own identifier space (no GS1 company prefix of its own)
VOCAB = f"{ID_BASE}/voc/"
EVENT_NS = uuid.uuid5(uuid.NAMESPACE_URL, f"{ID_BASE}/event")

# normalised status -> (CBV 2.0 bizStep, CBV 2.0 disposition)
CBV: dict[str, tuple[str, str]] = {
    "info_received": ("staging_outbound", "in_progress"),
    "picked_up": ("accepting", "in_transit"),
    "in_transit": ("departing", "in_transit"),
    "at_hub": ("arriving", "in_progress"),
    "customs_hold": ("holding", "sellable_not_accessible"),
    "customs_cleared": ("inspecting", "conformant"),
    "out_for_delivery": ("transporting", "in_transit"),
    "delivered": ("receiving", "completeness_verified"),
    "delivery_failed": ("holding", "unavailable"),
    "exception": ("holding", "unavailable"),
    "returned_to_sender": ("departing", "returned"),
}
# an exception's reason may name a more exact CBV disposition
REASON_DISPOSITION = {"damaged": "damaged", "destroyed": "destroyed"}


def parcel_uri(tracking_no: str) -> str:
    return f"{ID_BASE}/parcel/{tracking_no}"


def event_uri(e: TrackingEvent) -> str:
    """A stable event id: the same carrier event always exports with the same id."""
    return f"urn:uuid:{uuid.uuid5(EVENT_NS, f'{e.carrier.code}:{e.event_id}')}"


def _event(e: TrackingEvent, epcs: list[str], hubs: dict[str, Hub]) -> dict:
    offset = e.details.get("tz", "+00:00")
    local = local_time(e)
    out: dict = {"type": "ObjectEvent", "eventTime": local.isoformat(), "eventTimeZoneOffset": offset,
                 "eventID": event_uri(e), "epcList": epcs, "action": "OBSERVE"}
    if e.status in CBV:
        step, disposition = CBV[e.status]
        for word, better in REASON_DISPOSITION.items():
            if e.status == "exception" and word in e.reason:
                disposition = better
        out["bizStep"], out["disposition"] = step, disposition
    hub = hubs.get(e.location)
    if hub is not None:
        out["readPoint"] = {"id": hub.location_id}
        out["bizLocation"] = {"id": hub.location_id}
    out["ewtp:carrier"] = e.carrier.code
    out["ewtp:rawCode"] = e.raw_code
    if e.raw_text:
        out["ewtp:rawText"] = e.raw_text
    if e.status:
        out["ewtp:status"] = e.status
    if e.reason:
        out["ewtp:reason"] = e.reason
    if e.location and hub is None:
        out["ewtp:place"] = f"{e.location}, {e.country}" if e.country else e.location
    return out


def document(shipment: Shipment) -> dict:
    """The EPCISDocument for every event of `shipment`, in event-time order."""
    epcs = [parcel_uri(p) for p in shipment.parcels.order_by("seq").values_list("tracking_no", flat=True)] or [
        parcel_uri(shipment.tracking_no)]
    hubs = {h.code: h for h in Hub.objects.all()}
    events = shipment.events.select_related("carrier").order_by("occurred_at", "id")
    return {
        "@context": [CONTEXT, {"ewtp": VOCAB}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(),
        "epcisBody": {"eventList": [_event(e, epcs, hubs) for e in events]},
    }


@cache
def _validator():
    import jsonschema_rs

    schema = json.loads((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def problems(doc: dict) -> list[str]:
    """Every way `doc` breaks the official EPCIS 2.0 JSON schema (empty: valid)."""
    return [f"{'/'.join(str(p) for p in err.instance_path) or '(document)'}: {err.message}"
            for err in _validator().iter_errors(doc)]


def export(shipment: Shipment) -> dict:
    """The validated document; a document the schema refuses is a bug here, never sent out."""
    doc = document(shipment)
    found = problems(doc)
    if found:
        raise ValueError("EPCIS export does not validate: " + "; ".join(found[:5]))
    return doc
