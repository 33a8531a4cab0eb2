"""A tracking batch makes each offset's text, each number's plain details document and each
scan's stored time once per batch, more cheaply than per event: the stored rows are those the
per-event forms give (`tz_offset`, the details dict encoded, `_db_time`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from ewtp.logistics.models import TrackingEvent
from ewtp.logistics.tracking import EventData, _db_time, _writes_utc_text, ingest, tz_offset
from tests.logistics.factories_track import *  # noqa: F403 - fixtures

# offsets east and west, a half hour, and a zone across its daylight-saving change (two offsets)
NY = ZoneInfo("America/New_York")
TIMES = [datetime(2026, 3, 8, 1, 30, tzinfo=NY), datetime(2026, 3, 8, 3, 30, tzinfo=NY),
         datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY),
         datetime(2026, 11, 2, 9, 0, 7, 250, tzinfo=timezone(timedelta(hours=8))),
         datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
         datetime(2026, 11, 2, 9, 0, tzinfo=timezone(-timedelta(hours=3, minutes=30))), datetime(2026, 11, 2, tzinfo=UTC)]


@pytest.mark.django_db
def test_the_utc_text_of_a_local_time_is_what_the_backend_writes():
    ops = connection.ops
    if not _writes_utc_text(ops):
        pytest.skip("this backend takes the time itself, not a text")
    for at in TIMES:
        assert str(at.replace(tzinfo=None) - at.utcoffset()) == _db_time(ops, at)


def test_the_probe_refuses_a_backend_that_writes_otherwise():
    class Aware:
        def adapt_datetimefield_value(self, value):
            return value

    class Local:
        def adapt_datetimefield_value(self, value):
            return str(value.astimezone(timezone(timedelta(hours=1))).replace(tzinfo=None))

    assert not _writes_utc_text(Aware()) and not _writes_utc_text(Local())


def test_stored_times_offsets_and_details_are_the_per_event_ones(shipment, carrier_actor):
    dhl = carrier_actor("DHLX")
    no = shipment.legs.get(seq=2).tracking_no
    events = [EventData(event_id=f"v{i}", tracking_number=no, code="DF" if i % 2 else "AF", occurred_at=at,
                        proof={"photo": f"P{i}", "signature": ""} if i == 3 else None)
              for i, at in enumerate(TIMES + TIMES[:2])]  # the same offsets and number again: memoised
    ingest(dhl, "DHLX", events)
    stored = {e.event_id: e for e in TrackingEvent.objects.filter(event_id__startswith="v")}
    assert len(stored) == len(events)
    for e in events:
        row = stored[e.event_id]
        expected = {"tz": tz_offset(e.occurred_at), "tracking_number": no}
        if e.proof:
            expected["proof"] = {k: v for k, v in e.proof.items() if v}
        assert row.details == expected
        if connection.vendor == "sqlite":  # the document as written (PostgreSQL's jsonb orders keys itself)
            assert json.dumps(row.details) == json.dumps(expected)
        # (the UTC moments: an ambiguous local time never equals another zone's, PEP 495)
        assert row.occurred_at == e.occurred_at.astimezone(UTC)
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:  # the stored text itself (the driver would parse the column)
        cur.execute("SELECT event_id, CAST(occurred_at AS TEXT) FROM logistics_trackingevent WHERE event_id LIKE 'v%%'")
        raw = dict(cur.fetchall())
    for e in events:
        assert raw[e.event_id] == _db_time(connection.ops, e.occurred_at)
