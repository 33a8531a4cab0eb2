"""The EPCIS 2.0 export validates against the official JSON schema and says what happened."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from ewtp.logistics import epcis, simulator
from ewtp.logistics.models import TrackingEvent
from tests.logistics.factories_track import *  # noqa: F403 - fixtures


def _journey(s, seed=2):
    simulator.post(simulator.simulate_events(s, datetime(2026, 11, 2, tzinfo=UTC), random.Random(seed),
                                             failure_rate=1, exception_rate=1))


def test_export_validates_and_maps_every_event(shipment):
    _journey(shipment)
    TrackingEvent.objects.create(shipment=shipment, carrier=shipment.legs.get(seq=2).carrier, event_id="odd",
                                 raw_code="ZZ", unknown_code=True, occurred_at=datetime(2026, 11, 3, tzinfo=UTC),
                                 details={"tz": "-05:30"})
    doc = epcis.export(shipment)
    assert epcis.problems(doc) == []
    events = doc["epcisBody"]["eventList"]
    assert len(events) == shipment.events.count()
    assert {e["type"] for e in events} == {"ObjectEvent"} and {e["action"] for e in events} == {"OBSERVE"}
    assert events[0]["epcList"] == [f"https://id.ewtp.example/parcel/{shipment.tracking_no}-1"]
    delivered = next(e for e in events if e.get("ewtp:status") == "delivered")
    assert (delivered["bizStep"], delivered["disposition"]) == ("receiving", "completeness_verified")
    at_hub = next(e for e in events if e.get("ewtp:rawCode") == "RCV")
    assert at_hub["readPoint"] == {"id": "https://id.ewtp.example/hub/KUL"} == at_hub["bizLocation"]
    assert at_hub["eventTimeZoneOffset"] == "+08:00" and at_hub["eventTime"].endswith("+08:00")
    odd = next(e for e in events if e.get("ewtp:rawCode") == "ZZ")
    assert "bizStep" not in odd and odd["eventTimeZoneOffset"] == "-05:30"
    assert len({e["eventID"] for e in events}) == len(events)
    assert epcis.document(shipment)["epcisBody"]["eventList"][0]["eventID"] == events[0]["eventID"]  # stable


def test_the_schema_really_checks(shipment):
    _journey(shipment)
    doc = epcis.document(shipment)
    doc["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "8h"
    doc["epcisBody"]["eventList"][1]["bizStep"] = "teleporting"
    del doc["epcisBody"]["eventList"][2]["action"]
    found = epcis.problems(doc)
    assert len(found) >= 3, found


def test_cbv_mapping_covers_every_status():
    from ewtp.logistics.models.shipments import STATUSES

    assert set(epcis.CBV) == set(STATUSES)
    schema = json.loads((epcis.SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text())
    steps = set(schema["definitions"]["bizStep"]["anyOf"][1]["enum"])
    dispositions = set(schema["definitions"]["disposition"]["anyOf"][1]["enum"])
    assert {s for s, _ in epcis.CBV.values()} <= steps
    assert {d for _, d in epcis.CBV.values()} | set(epcis.REASON_DISPOSITION.values()) <= dispositions


def test_sea_route_validates(sea_shipment):
    _journey(sea_shipment, seed=9)
    assert epcis.problems(epcis.document(sea_shipment)) == []
