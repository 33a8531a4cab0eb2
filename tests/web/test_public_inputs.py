"""Anonymous inputs with Unicode digits: "²" (U+00B2, also the latin-1 byte 0xB2 in a WSGI
header) passes str.isdigit() but not int(); guards take ASCII digits only (a 500 before)."""

import json
import time

import pytest
from django.conf import settings
from django.test import Client

from ewtp.payments.providers.sandbox import HEADER, sign


@pytest.mark.django_db
def test_public_calculator_unicode_digit_quantity_is_not_500():
    """rules/rule_views.py:87 int(qty_raw) if qty_raw.lstrip("-").isdigit()."""
    c = Client(raise_request_exception=False)
    r = c.post("/reference/calculator/", {"date": "2026-12-01", "country": "AU", "ship_from": "CN", "mode": "courier",
                                          "incoterm": "DDP", "currency": "USD", "shipping": "12.00",
                                          "hs_0": "610910", "desc_0": "tee", "origin_0": "CN", "qty_0": "\u00b2",
                                          "price_0": "10.00"})
    assert r.status_code < 500, r.status_code


@pytest.mark.django_db
def test_webhook_unicode_digit_timestamp_is_400_not_500():
    """payments/providers/sandbox.py:243-244 ts_values[0].strip().isdigit() then int(): an
    unauthenticated caller gets a 500 from the webhook endpoint instead of 400 bad signature."""
    c = Client(raise_request_exception=False)
    body = json.dumps({"id": "evt_1", "type": "noop", "data": {}}).encode()
    r = c.post("/api/v1/payments/webhooks/sandbox", data=body, content_type="application/json",
               **{"HTTP_" + HEADER.upper().replace("-", "_"): "t=\u00b2,v1=" + sign(settings.EWTP_PAYMENTS_SANDBOX_SECRET,
                                                                                   int(time.time()), body)})
    assert r.status_code == 400, (r.status_code, r.content[:120])
