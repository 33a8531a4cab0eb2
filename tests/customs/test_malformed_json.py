"""Deeply nested JSON bodies (customs documents, the public landed-cost quote) are a 400/422,
not a RecursionError (a 500): `core.parse.load_json` refuses more than 32 levels."""

import pytest
from django.test import Client

from ewtp.core.actor import Role


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deeply_nested_json_is_400_not_500(make_user, depth):
    c = Client(raise_request_exception=False)
    c.force_login(make_user(Role.SELLER))
    body = "[" * depth + "]" * depth
    r = c.post("/api/v1/customs/documents/order", data=body, content_type="application/json",
               HTTP_IDEMPOTENCY_KEY=f"deep-{depth}")
    assert r.status_code in (400, 422), (r.status_code, r.content[:200])


def _control_schema_endpoint_handles_it(make_user):
    """Same input on an ordinary django-ninja endpoint (PUT /market/cart/lines)."""
    c = Client(raise_request_exception=False)
    c.force_login(make_user(Role.BUYER))
    body = "[" * 100_000 + "]" * 100_000
    r = c.put("/api/v1/market/cart/lines", data=body, content_type="application/json",
              HTTP_IDEMPOTENCY_KEY="deep-cart")
    assert r.status_code in (400, 422), (r.status_code, r.content[:200])


@pytest.mark.django_db
def test_public_landed_cost_quote_deep_json_is_400_not_500():
    """POST /api/v1/quotes (anonymous, rules/quote_api.py) has the same json.loads pattern."""
    c = Client(raise_request_exception=False)
    body = "[" * 100_000 + "]" * 100_000
    r = c.post("/api/v1/quotes", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep-quote")
    assert r.status_code in (400, 422), (r.status_code, r.content[:200])
