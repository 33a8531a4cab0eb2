"""Exception and hold reasons from the carriers' code tables read in the viewer's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import translation

from ewtp.logistics.codes import TABLES, table
from ewtp.logistics.reasons import REASONS, reason_label
from ewtp.logistics.tracking import EventData, ingest
from tests.logistics.factories_track import *  # noqa: F403 - fixtures


def test_every_reason_in_the_code_tables_is_translated_in_both_languages():
    reasons = {row.reason for name in TABLES for row in table(name).values() if row.reason}
    assert reasons == set(REASONS)
    for lang in ("zh-hans", "ms"):
        with translation.override(lang):
            untranslated = sorted(r for r in reasons if reason_label(r) == r)
        assert untranslated == [], lang
    assert reason_label("a reason nobody listed") == "a reason nobody listed"


@pytest.mark.parametrize("lang,expected", [("en", "held by customs"), ("zh-hans", "被海关扣留"),
                                           ("ms", "ditahan oleh kastam")])
def test_the_tracking_page_shows_the_hold_reason_translated(shipment, buyer_user, carrier_actor, lang, expected):
    number = shipment.parcels.first().tracking_no
    ingest(carrier_actor("EWTPHUB"), "EWTPHUB", [EventData(event_id="h1", tracking_number=number, code="CUS_HOLD",
                                                           occurred_at=datetime(2026, 11, 3, tzinfo=UTC))])
    c = Client()
    c.force_login(buyer_user)
    c.cookies["django_language"] = lang
    html = c.get(f"/logistics/track/{shipment.tracking_no}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f'data-testid="track-reason">({expected})' in html
    assert f"— {expected}" in html  # the timeline row too
