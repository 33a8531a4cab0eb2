"""Event ids are stored and looked up whole: a signed event whose id is longer than the column is
refused (422) rather than cut to fit (its redelivery then ran the handler again and ended in a 500,
and two ids sharing their first 80 characters collided); one that fits is deduplicated."""

import json
import time

import pytest
from django.conf import settings
from django.test import Client

from ewtp.payments.providers.sandbox import HEADER, sign


def _deliver(c: Client, event_id: str):
    body = json.dumps({"id": event_id, "type": "noop.test", "data": {}}).encode()
    ts = int(time.time())
    return c.post("/api/v1/payments/webhooks/sandbox", data=body, content_type="application/json",
                  **{"HTTP_" + HEADER.upper().replace("-", "_"):
                     f"t={ts},v1={sign(settings.EWTP_PAYMENTS_SANDBOX_SECRET, ts, body)}"})


@pytest.mark.django_db
def test_an_event_id_longer_than_stored_is_refused_and_one_that_fits_deduplicates():
    from ewtp.payments.models import WebhookEvent

    c = Client(raise_request_exception=False)
    long = _deliver(c, "evt_" + "x" * 96)  # 100 characters
    assert long.status_code == 422 and "id" in long.json()["error"]["fields"], long.content
    assert not WebhookEvent.objects.exists()
    eid = "evt_" + "x" * 76  # 80 characters
    first, again = _deliver(c, eid), _deliver(c, eid)
    assert (first.json()["status"], again.json()["status"]) == ("processed", "duplicate")
