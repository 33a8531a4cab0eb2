"""Batch ingestion: idempotent by (carrier, event id), placed by event time, unknown codes kept and
flagged, only the carrier's own legs, delivery needs proof; the simulator's streams ingest cleanly."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ewtp.core.actor import SYSTEM
from ewtp.core.errors import Forbidden, NotFound, ValidationFailed
from ewtp.logistics import simulator
from ewtp.logistics.models import Shipment, TrackingEvent
from ewtp.logistics.tracking import EventData, history, ingest
from tests.logistics.factories_track import *  # noqa: F403 - fixtures

KL = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=KL)


def _leg(shipment, seq):
    return shipment.legs.get(seq=seq)


def ev(eid, number, code, hours, **kw):
    return EventData(event_id=eid, tracking_number=number, code=code, occurred_at=T0 + timedelta(hours=hours), **kw)


def test_events_are_stored_normalised_and_the_status_follows_the_latest(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    no = _leg(shipment, 2).tracking_no
    r = ingest(dhl, "DHLX", [ev("d1", no, "AF", 1, location="KUL"), ev("d2", no, "DF", 5, location="KUL")])
    assert (r.created, r.duplicates, r.unknown_codes) == (2, 0, 0)
    s = Shipment.objects.get(pk=shipment.pk)
    assert s.status == "in_transit" and s.status_at == T0 + timedelta(hours=5)
    e = TrackingEvent.objects.get(event_id="d2")
    assert (e.raw_code, e.status, e.leg.seq, e.details["tz"]) == ("DF", "in_transit", 2, "+08:00")
    assert _leg(shipment, 2).started_at == T0 + timedelta(hours=1)


def test_a_late_older_event_is_placed_by_time_and_does_not_change_the_status(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    no = _leg(shipment, 2).tracking_no
    ingest(dhl, "DHLX", [ev("d2", no, "DF", 5)])
    ingest(dhl, "DHLX", [ev("d1", no, "AF", 1)])  # arrives later, happened earlier
    s = Shipment.objects.get(pk=shipment.pk)
    assert s.status == "in_transit"
    assert [e.event_id for e in history(s)] == ["d1", "d2"]
    # within one batch too: the newest by time wins, whatever the order in the batch
    ingest(dhl, "DHLX", [ev("d4", no, "CR", 9), ev("d3", no, "IC", 8)])
    assert Shipment.objects.get(pk=shipment.pk).status == "customs_cleared"


def test_duplicates_are_skipped_within_and_across_batches(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    no = _leg(shipment, 2).tracking_no
    r1 = ingest(dhl, "DHLX", [ev("d1", no, "AF", 1), ev("d1", no, "AF", 1)])
    r2 = ingest(dhl, "DHLX", [ev("d1", no, "DF", 2), ev("d2", no, "DF", 3)])
    assert (r1.created, r1.duplicates, r2.created, r2.duplicates) == (1, 1, 1, 1)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert TrackingEvent.objects.get(event_id="d1").raw_code == "AF"  # the first one stays


def test_the_same_event_id_from_another_carrier_is_another_event(shipment, carrier_actor):
    ingest(carrier_actor("DHLX"), "DHLX", [ev("x1", _leg(shipment, 2).tracking_no, "AF", 1)])
    ingest(carrier_actor("BPOST"), "BPOST", [ev("x1", _leg(shipment, 3).tracking_no, "EDD", 40)])
    assert TrackingEvent.objects.filter(event_id="x1").count() == 2


def test_unknown_code_is_kept_and_flagged_without_moving_the_status(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    no = _leg(shipment, 2).tracking_no
    ingest(dhl, "DHLX", [ev("d1", no, "AF", 1)])
    r = ingest(dhl, "DHLX", [ev("d2", no, "QQ", 3, text="Something new")])
    assert r.unknown_codes == 1 and r.unknown_code_ids == ["d2"]
    e = TrackingEvent.objects.get(event_id="d2")
    assert (e.unknown_code, e.status, e.raw_code, e.raw_text) == (True, "", "QQ", "Something new")
    assert Shipment.objects.get(pk=shipment.pk).status == "at_hub"


def test_a_carrier_posts_only_for_legs_it_runs(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    with pytest.raises(Forbidden):  # another carrier's name on the batch
        ingest(dhl, "BPOST", [ev("b1", _leg(shipment, 3).tracking_no, "EDD", 1)])
    with pytest.raises(NotFound) as err:  # a leg number of another carrier
        ingest(dhl, "DHLX", [ev("d1", _leg(shipment, 2).tracking_no, "AF", 1),
                             ev("d2", _leg(shipment, 3).tracking_no, "AF", 2)])
    assert list(err.value.fields) == ["events.1.tracking_number"]
    assert not TrackingEvent.objects.exists()  # nothing of a refused batch is kept
    with pytest.raises(NotFound):
        ingest(dhl, "DHLX", [ev("d1", "NOPE123", "AF", 1)])
    with pytest.raises(NotFound):
        ingest(SYSTEM, "FEDEX", [ev("d1", shipment.tracking_no, "AF", 1)])


def test_the_hub_number_reaches_the_carriers_leg_and_the_hub_scans_any_shipment(shipment, carrier_actor):
    ingest(carrier_actor("DHLX"), "DHLX", [ev("d1", shipment.tracking_no, "AF", 1)])
    ingest(carrier_actor("EWTPHUB"), "EWTPHUB", [ev("h1", shipment.parcels.get().tracking_no, "RCV", 2)])
    d1, h1 = TrackingEvent.objects.get(event_id="d1"), TrackingEvent.objects.get(event_id="h1")
    assert d1.leg.seq == 2 and h1.leg is None and h1.shipment_id == shipment.pk


def test_delivery_needs_proof_and_sets_delivered_at(shipment, carrier_actor):
    bpost = carrier_actor("BPOST")
    no = _leg(shipment, 3).tracking_no
    with pytest.raises(ValidationFailed) as err:
        ingest(bpost, "BPOST", [ev("b1", no, "EDG", 1), ev("b2", no, "EMI", 2, proof={"signature": " "})])
    assert list(err.value.fields) == ["events.1.proof"]
    assert not TrackingEvent.objects.exists()
    ingest(bpost, "BPOST", [ev("b1", no, "EDG", 1), ev("b2", no, "EMI", 2, proof={"signature": "A. Peeters"})])
    s = Shipment.objects.get(pk=shipment.pk)
    assert s.status == "delivered" and s.delivered_at == T0 + timedelta(hours=2)
    assert s.delivery_proof == {"signature": "A. Peeters"}
    # the last leg started with the first event (finishing the others) and ends with the delivery
    assert set(s.legs.values_list("finished_at", flat=True)) == {T0 + timedelta(hours=1), T0 + timedelta(hours=2)}
    assert s.legs.order_by("-seq").first().finished_at == T0 + timedelta(hours=2)


@pytest.mark.parametrize("fixture", ["shipment", "sea_shipment"])
def test_simulated_streams_ingest_in_any_order(fixture, request):
    s = request.getfixturevalue(fixture)
    rng = random.Random(3)
    events = simulator.simulate_events(s, datetime(2026, 11, 2, 1, tzinfo=UTC), rng, failure_rate=1, exception_rate=1)
    times = [e.event.occurred_at for e in events]
    assert times == sorted(times)
    codes = {e.event.code for e in events}
    assert {"PRE", "RCV", "CUS_REL"} <= codes and ({"EMH", "NH"} & codes)  # a failed attempt first
    shuffled = events[:]
    rng.shuffle(shuffled)
    r = simulator.post(shuffled)
    assert r.created == len(events) and r.unknown_codes == 0
    assert simulator.post(events).duplicates == len(events)
    s.refresh_from_db()
    assert s.status == "delivered" and s.delivered_at == max(times) and s.delivery_proof
    statuses = [e.status for e in history(s)]
    assert statuses[0] == "info_received" and statuses[-1] == "delivered"
    assert {"picked_up", "in_transit", "at_hub", "customs_hold", "customs_cleared", "out_for_delivery",
            "delivery_failed", "exception"} <= set(statuses)


def test_simulator_until_stops_midway(shipment):
    start = datetime(2026, 11, 2, 1, tzinfo=UTC)
    events = simulator.simulate_events(shipment, start, random.Random(1), until=start + timedelta(days=2))
    assert events and all(e.event.occurred_at <= start + timedelta(days=2) for e in events)
    assert "delivered" not in {e.event.code for e in events}


def test_a_leg_finishes_when_a_later_leg_starts_and_delivery_finishes_the_rest(shipment, carrier_actor):
    legs = {leg.seq: leg for leg in shipment.legs.all()}
    last = max(legs)
    assert last >= 3 and all(leg.finished_at is None for leg in legs.values())
    # the last leg's carrier reports first (out of order), then the line-haul's earlier start arrives
    last_leg = legs[last]
    org_actor = carrier_actor(last_leg.carrier.code)
    ingest(org_actor, last_leg.carrier.code, [ev("x1", last_leg.tracking_no, "EDD" if last_leg.carrier.code_table
                                                 == "upu_emsevt" else "AR", 30)])
    assert {s: shipment.legs.get(seq=s).finished_at for s in legs if s < last} == {
        s: T0 + timedelta(hours=30) for s in legs if s < last}
    ingest(carrier_actor("DHLX"), "DHLX", [ev("d1", _leg(shipment, 2).tracking_no, "AF", 3)])
    assert _leg(shipment, 1).finished_at == T0 + timedelta(hours=3)  # the earlier start wins
    assert _leg(shipment, 2).finished_at == T0 + timedelta(hours=30)
    assert shipment.legs.get(seq=last).finished_at is None
