"""Webhook signature, replay and duplicate handling, through the HTTP endpoint."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from ewtp.core.money import Money
from ewtp.payments import services
from ewtp.payments.models import Escrow, LedgerTransaction, Payment, SandboxOutbox, WebhookEvent
from ewtp.payments.providers.sandbox import SandboxProvider, sign

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/webhooks/sandbox"


def _authorised_and_captured_event():
    services.start_payment(
        "test",
        order_ref="W-1",
        amount=Money("25.00", "MYR"),
        seller_org_id=3,
        seller_currency="MYR",
        card_number="4242424242424242",
    )
    Payment.objects.filter(order_ref="W-1").update(state=Payment.AUTHORISED)
    services.capture_payment("test", "W-1")
    row = SandboxOutbox.objects.filter(body__contains="payment.captured").first()
    return row.body.encode()


def _post(body: bytes, header: str | None):
    extra = {"HTTP_SANDBOX_SIGNATURE": header} if header is not None else {}
    return Client().post(URL, data=body, content_type="application/json", **extra)


def _header(body: bytes, ts: int | None = None, secret: str | None = None) -> str:
    ts = int(time.time()) if ts is None else ts
    return f"t={ts},v1={sign(secret or SandboxProvider.from_settings().secret, ts, body)}"


def test_signed_event_is_processed_once_and_duplicates_are_ignored():
    body = _authorised_and_captured_event()
    r = _post(body, _header(body))
    assert r.status_code == 200 and r.json()["status"] == "processed"
    assert Escrow.objects.get(order_ref="W-1").held_minor == 2500
    txs = LedgerTransaction.objects.count()
    again = _post(body, _header(body))  # the provider repeats it, freshly signed
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert LedgerTransaction.objects.count() == txs and WebhookEvent.objects.count() == 1


def test_no_idempotency_key_needed_but_signature_is():
    body = _authorised_and_captured_event()
    r = _post(body, None)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_signature"
    assert not Escrow.objects.exists()


def test_tampered_body_is_refused():
    body = _authorised_and_captured_event()
    header = _header(body)
    doc = json.loads(body)
    doc["data"]["amount_minor"] = 999999
    r = _post(json.dumps(doc).encode(), header)
    assert r.status_code == 400 and "does not match" in r.json()["error"]["message"]
    assert not Escrow.objects.exists() and not WebhookEvent.objects.exists()


def test_wrong_secret_is_refused():
    body = _authorised_and_captured_event()
    assert _post(body, _header(body, secret="whsec_guess")).status_code == 400


def test_replayed_old_signature_is_refused():
    body = _authorised_and_captured_event()
    old = int(time.time()) - 3600
    r = _post(body, _header(body, ts=old))
    assert r.status_code == 400 and "tolerance" in r.json()["error"]["message"]
    future = int(time.time()) + 3600
    assert _post(body, _header(body, ts=future)).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_malformed_header_and_body():
    body = _authorised_and_captured_event()
    assert _post(body, "v1=abc").status_code == 400
    junk = b"not json"
    assert _post(junk, _header(junk)).status_code == 400


def test_an_event_whose_handling_fails_is_not_recorded_so_a_retry_works():
    body = _authorised_and_captured_event()
    Payment.objects.filter(order_ref="W-1").update(provider_ref="moved")  # the handler cannot find it
    assert _post(body, _header(body)).status_code == 404
    assert not WebhookEvent.objects.exists()
    Payment.objects.filter(order_ref="W-1").update(provider_ref=f"sbx_pay_{Payment.objects.get().pk}")
    assert _post(body, _header(body)).json()["status"] == "processed"


def test_sandbox_is_deterministic_with_a_seed_and_sometimes_late_or_repeated():
    for i in range(30):
        services.start_payment(
            "test",
            order_ref=f"S-{i}",
            amount=Money("5.00", "MYR"),
            seller_org_id=3,
            seller_currency="MYR",
            card_number="4242424242424242",
        )
    rows = list(SandboxOutbox.objects.order_by("id").values_list("event_id", "deliver_after"))
    ids = [e for e, _ in rows]
    assert len(ids) > len(set(ids)), "some webhooks are sent twice"
    first = min(d for _, d in rows)
    assert any((d - first).total_seconds() > 3 for _, d in rows), "some webhooks are late"
    # the same seed and events give the same choices
    plan = [(e, SandboxOutbox.objects.filter(event_id=e).count()) for e in sorted(set(ids))]
    SandboxOutbox.objects.all().delete()
    provider = SandboxProvider.from_settings()
    from ewtp.payments.models import SandboxRecord

    for rec in SandboxRecord.objects.order_by("id"):
        provider._emit("payment.authorised", rec)
    assert [(e, SandboxOutbox.objects.filter(event_id=e).count()) for e in sorted(set(ids))] == plan



def test_a_simulated_clock_schedules_the_webhooks_from_its_moment_whatever_the_real_time():
    from datetime import UTC, datetime, timedelta

    from ewtp.payments.providers.sandbox import simulated_clock

    moment = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
    with simulated_clock(moment):
        for i in range(20):
            services.start_payment("test", order_ref=f"C-{i}", amount=Money("5.00", "MYR"), seller_org_id=3,
                                   seller_currency="MYR", card_number="4242424242424242")
            time.sleep(0.01)  # the real clock moves; the schedule must not
    due = list(SandboxOutbox.objects.values_list("event_id", "deliver_after"))
    # on time (at the moment) or late by the provider's own seeded draw, never by the real clock
    assert all(moment <= d <= moment + timedelta(seconds=180) for _, d in due)
    assert any(d == moment for _, d in due)
    order = [e for e, _ in SandboxOutbox.objects.order_by("deliver_after", "id").values_list("event_id", "deliver_after")]
    # outside the block the real clock is back
    services.start_payment("test", order_ref="C-real", amount=Money("5.00", "MYR"), seller_org_id=3,
                           seller_currency="MYR", card_number="4242424242424242")
    assert SandboxOutbox.objects.latest("id").deliver_after.year < 2031
    # the same operations at the same moment are scheduled in the same order
    SandboxOutbox.objects.all().delete()
    provider = SandboxProvider.from_settings()
    from ewtp.payments.models import SandboxRecord

    with simulated_clock(moment):
        for rec in SandboxRecord.objects.filter(reference__startswith="C-").exclude(reference="C-real").order_by("id"):
            provider._emit("payment.authorised", rec)
            time.sleep(0.01)
    assert [e for e, _ in SandboxOutbox.objects.order_by("deliver_after", "id")
            .values_list("event_id", "deliver_after")] == order


def _start(prefix: str) -> list[str]:
    """Payments started and authorised (one declined): their sandbox webhooks wait in the outbox."""
    refs = [f"{prefix}-{i}" for i in range(6)]
    for i, ref in enumerate(refs):
        services.start_payment("test", order_ref=ref, amount=Money(f"{20 + i}.00", "MYR"), seller_org_id=3,
                               seller_currency="MYR",
                               card_number="4000000000000002" if i == 2 else "4242424242424242")
    return refs


def _events(refs: list[str]) -> list[tuple]:
    rows = WebhookEvent.objects.order_by("pk").values_list("type", "payload", "outcome")
    return sorted((p["reference"].split("-")[1], t, o) for t, p, o in rows if p["reference"] in refs)


def test_delivering_a_batch_is_receiving_one_by_one(monkeypatch):
    """deliver_sandbox reads the recorded event ids once for its batch: the same events, outcomes,
    duplicates and payment states as receiving each webhook alone (repeated ones included)."""
    from datetime import timedelta

    from django.utils import timezone

    from ewtp.payments.providers import sandbox
    from ewtp.payments.webhooks import deliver_sandbox, receive

    # every webhook sent twice: which ones repeat otherwise depends on ids (PostgreSQL's sequences
    # are not rolled back between tests, so a run could draw none)
    monkeypatch.setattr(sandbox, "REPEAT_SHARE", 1.0)
    provider = SandboxProvider.from_settings()
    later = timezone.now() + timedelta(minutes=10)
    one = _start("A")
    rows = list(SandboxOutbox.objects.filter(delivered_at=None).order_by("deliver_after", "id"))
    assert len(rows) > len(one)  # some webhooks are sent twice
    answers = [receive("sandbox", provider.signed_headers(r.body.encode(), later), r.body.encode(), later)["status"]
               for r in rows]
    SandboxOutbox.objects.update(delivered_at=later)
    batch = _start("B")
    waiting = SandboxOutbox.objects.filter(delivered_at=None).count()
    assert deliver_sandbox(later) == waiting  # every row, repeats acknowledged as duplicates
    assert answers.count("duplicate") == len(rows) - len({r.event_id for r in rows})
    assert WebhookEvent.objects.count() == 2 * len({r.event_id for r in rows})
    assert _events(batch) == _events(one)
    states = dict(Payment.objects.values_list("order_ref", "state"))
    assert [states[r] for r in batch] == [states[r] for r in one]
    assert not SandboxOutbox.objects.filter(delivered_at=None).exists()
