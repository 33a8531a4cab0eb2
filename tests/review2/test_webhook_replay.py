"""webhooks.receive checks "seen" with the full event id but records event.id[:80]: a redelivery
of a signed event whose id is longer than 80 characters is handled again and ends in an
IntegrityError (500) instead of {"status": "duplicate"}; the provider then retries forever."""

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
def test_redelivered_long_event_id_is_duplicate_not_500():
    c = Client(raise_request_exception=False)
    eid = "evt_" + "x" * 96  # 100 characters
    first = _deliver(c, eid)
    assert first.status_code == 200 and first.json()["status"] == "processed", first.content
    again = _deliver(c, eid)
    assert again.status_code == 200, (again.status_code, again.content[:120])
    assert again.json()["status"] == "duplicate"
