"""POST /api/v1/logistics/events with a carrier's token; GET tracking and the EPCIS export."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from ewtp.core.actor import Role
from ewtp.logistics import simulator
from ewtp.logistics.models import Shipment, TrackingEvent
from tests.logistics.factories_track import *  # noqa: F403 - fixtures


def _event(eid, number, code, at="2026-11-03T10:15:00+08:00", **kw):
    return {"event_id": eid, "tracking_number": number, "code": code, "occurred_at": at, "location": "KUL", **kw}


def test_a_carrier_posts_a_batch_and_a_retry_changes_nothing(api_as, shipment, carrier_token):
    api = api_as(token=carrier_token("DHLX"))
    no = shipment.legs.get(seq=2).tracking_no
    body = {"carrier": "DHLX", "events": [_event("e1", no, "AF"), _event("e2", no, "ZZ", "2026-11-03T12:00:00+08:00"),
                                          _event("e3", no, "DF", "2026-11-03T11:00:00+08:00")]}
    r = api.post("/logistics/events", body)
    assert r.status_code == 200, r.json()
    out = r.json()
    assert (out["created"], out["duplicates"], out["unknown_codes"]) == (3, 0, 1)
    assert out["unknown_code_ids"] == ["e2"] and out["duplicate_ids"] == []
    again = api.post("/logistics/events", body)  # a resend under a new idempotency key
    assert again.json()["duplicate_ids"] == ["e1", "e2", "e3"] and TrackingEvent.objects.count() == 3
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"


def test_wrong_carrier_or_leg_is_refused(api_as, shipment, carrier_token):
    api = api_as(token=carrier_token("DHLX"))
    last = shipment.legs.get(seq=3).tracking_no
    r = api.post("/logistics/events", {"carrier": "BPOST", "events": [_event("e1", last, "EDD")]})
    assert r.status_code == 403
    r = api.post("/logistics/events", {"carrier": "DHLX", "events": [_event("e1", last, "AF")]})
    assert r.status_code == 404 and "events.0.tracking_number" in r.json()["error"]["fields"]
    assert not TrackingEvent.objects.exists()


def test_a_seller_or_buyer_cannot_post_events(api_as, shipment, make_user, buyer_user):
    r = api_as(make_user(Role.SELLER)).post("/logistics/events", {"carrier": "DHLX", "events": [
        _event("e1", shipment.tracking_no, "AF")]})
    assert r.status_code == 403


def test_delivery_without_proof_is_422_and_bad_input_names_the_field(api_as, shipment, carrier_token):
    api = api_as(token=carrier_token("BPOST"))
    no = shipment.legs.get(seq=3).tracking_no
    r = api.post("/logistics/events", {"carrier": "BPOST", "events": [_event("e1", no, "EMI")]})
    assert r.status_code == 422 and "events.0.proof" in r.json()["error"]["fields"]
    r = api.post("/logistics/events", {"carrier": "BPOST", "events": [_event("e1", no, "EMI", "2026-11-03T10:15:00")]})
    assert r.status_code == 422 and "events.0.occurred_at" in r.json()["error"]["fields"]  # no offset
    r = api.post("/logistics/events", {"carrier": "BPOST", "events": [
        _event("e1", no, "EMI", proof={"photo": "POD-1"})]})
    assert r.status_code == 200
    s = Shipment.objects.get(pk=shipment.pk)
    assert s.status == "delivered" and s.delivery_proof == {"photo": "POD-1"}


def test_tracking_and_epcis_for_the_parties_only(api_as, shipment, buyer_user, make_user):
    simulator.post(simulator.simulate_events(shipment, datetime(2026, 11, 2, tzinfo=UTC), random.Random(5)))
    r = api_as(buyer_user).get(f"/logistics/shipments/{shipment.tracking_no}/tracking")
    assert r.status_code == 200
    t = r.json()
    assert t["status"] == "delivered" and t["events"][0]["status"] == "info_received"
    assert t["estimated_delivery"] == t["delivered_at"][:10]
    r = api_as(buyer_user).get(f"/logistics/shipments/{shipment.tracking_no}/epcis")
    assert r.status_code == 200 and r["Content-Type"] == "application/ld+json"
    assert r.json()["type"] == "EPCISDocument"
    other = make_user(Role.BUYER)
    assert api_as(other).get(f"/logistics/shipments/{shipment.tracking_no}/tracking").status_code == 404
    assert api_as(other).get(f"/logistics/shipments/{shipment.tracking_no}/epcis").status_code == 404
    assert api_as(other).get("/logistics/shipments/NOPE/epcis").status_code == 404


def test_unstorable_text_unknown_fields_and_oversized_batches_are_422(api_as, shipment, carrier_token):
    api = api_as(token=carrier_token("DHLX"))
    no = shipment.legs.get(seq=2).tracking_no
    r = api.post("/logistics/events", {"carrier": "DHLX", "events": [_event("e\u0000", no, "AF")]})
    assert r.status_code == 422 and "events.0.event_id" in r.json()["error"]["fields"]
    r = api.post("/logistics/events", {"carrier": "DHLX", "events": [_event("e1", no, "AF", colour="red")]})
    assert r.status_code == 422 and "events.0.colour" in r.json()["error"]["fields"]
    r = api.post("/logistics/events", {"carrier": "DHLX", "events": [_event(f"e{i}", no, "AF") for i in range(5001)]})
    assert r.status_code == 422 and "events" in r.json()["error"]["fields"]
    r = api.post("/logistics/events", {"carrier": "DHLX", "events": []})
    assert r.status_code == 422
    assert not TrackingEvent.objects.exists()


def test_posting_needs_an_idempotency_key_and_a_token(api, api_as, shipment, carrier_token):
    body = {"carrier": "DHLX", "events": [_event("e1", shipment.tracking_no, "AF")]}
    assert api_as(token=carrier_token("DHLX")).post("/logistics/events", body, key=None).status_code == 400
    assert api.post("/logistics/events", body).status_code == 401
