"""The foundation's own costs: an audit-chain append per transaction, and API round trips
through the full middleware stack (session auth, rate limit, idempotency record, audit)."""

from __future__ import annotations

import time
import uuid

from benchmarks.django_env import setup_django


def _rate(n: int, fn) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def run(limits: dict) -> dict:
    setup_django()
    from django.db import transaction
    from django.test import Client

    from ewtp.accounts.services import create_user
    from ewtp.core import audit
    from ewtp.rules.models import HSCode
    from ewtp.rules.refdata import load_reference_data

    if not HSCode.objects.exists():
        load_reference_data()

    def append(i: int) -> None:
        with transaction.atomic():
            audit.record("bench", "bench.append", object_type="bench", object_id=i, after={"i": i})

    audit_rate = _rate(3000, append)
    op = create_user("bench", username=f"op-{uuid.uuid4().hex[:8]}", email="op@example.com",
                     password="bench-password-123", role="hub_operator")
    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host whichever benchmark configured Django first
    client.force_login(op)

    def post(i: int) -> None:
        r = client.post("/api/v1/accounts/organisations", {"kind": "logistics", "name": f"C{i}", "country": "CN"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        assert r.status_code == 201, r.content

    def get(i: int) -> None:
        assert client.get("/api/v1/reference/hs", {"q": "cotton", "limit": 20}).status_code == 200

    post_rate, get_rate = _rate(500, post), _rate(500, get)
    raw = limits["sqlite_tx_per_s"]
    return {
        "audit_appends_per_s": round(audit_rate),
        "audit_vs_raw_sqlite_tx": round(audit_rate / raw, 3),
        "api_idempotent_post_per_s": round(post_rate),
        "api_post_vs_raw_sqlite_tx": round(post_rate / raw, 4),
        "api_hs_search_get_per_s": round(get_rate),
    }
