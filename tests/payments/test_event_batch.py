"""The batch form of webhook receipt (`webhooks.receive_many`, payments/event_batch.py) is receiving
each webhook alone: the same answers, payments, escrows, ledger postings, event rows and audit
entries; a bad signature, a replayed or refused event is refused alone; what the batch cannot
write is received one by one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.payments import batches, services
from ewtp.payments.models import Escrow, LedgerTransaction, Payment, Posting, SandboxOutbox, WebhookEvent
from ewtp.payments.providers.sandbox import SandboxProvider
from ewtp.payments.services import Start
from ewtp.payments.verify import verify
from ewtp.payments.webhooks import receive_many
from tests.payments.helpers import deliver_signed

pytestmark = pytest.mark.django_db
GOOD, DECLINED = "4242424242424242", "4000000000000002"


def _open(prefix: str, n: int = 5) -> list[str]:
    """n payments started with a card (the third declined): their webhooks wait in the outbox."""
    starts = [Start("buyer:1", f"{prefix}-{i}", Money(f"{20 + i}.00", "MYR"), 3, "MYR",
                    card_number=DECLINED if i == 2 else GOOD, buyer_user_id=1, jurisdiction="SG",
                    duty=Money("1.00", "MYR"), tax=Money("2.00", "MYR")) for i in range(n)]
    batches.start_payments(starts)
    return [s.order_ref for s in starts]


def _bodies(prefix: str, kind: str) -> list[bytes]:
    """The distinct webhooks of `kind` for the prefix's payments, in payment order (the sandbox
    sends some twice, depending on the row ids: the tests add their own repeats)."""
    seen: dict[str, bytes] = {}
    for body in SandboxOutbox.objects.filter(body__contains=f'"{prefix}-').order_by("id").values_list("body", flat=True):
        doc = json.loads(body)
        if doc["type"].startswith(kind):
            seen.setdefault(doc["data"]["reference"], body.encode())
    return [seen[r] for r in sorted(seen)]


def _tampered(body: bytes, **data) -> bytes:
    doc = json.loads(body)
    doc["data"].update(data)
    return json.dumps(doc, sort_keys=True).encode()


def _recorded(prefix: str, since: int) -> tuple:
    """What the events changed, without the ids and references that differ between two prefixes."""
    def norm(value):
        return json.loads(json.dumps(value).replace(f"{prefix}-", "X-")) if value is not None else None

    pays = list(Payment.objects.filter(order_ref__startswith=prefix).order_by("pk").values_list(
        "state", "decline_reason", "amount_minor"))
    escrows = list(Escrow.objects.filter(order_ref__startswith=prefix).order_by("pk").values_list(
        "order_ref", "held_minor", "duty_minor", "tax_minor", "fee_minor", "state", "currency"))
    txs = list(LedgerTransaction.objects.filter(reference__startswith=prefix).order_by("pk").values_list("kind",
                                                                                                          "reference"))
    postings = list(Posting.objects.filter(tx__reference__startswith=prefix).order_by("pk").values_list(
        "tx__reference", "account__kind", "account__owner_type", "amount_minor", "currency"))
    events = [(t, {k: v for k, v in norm(p).items() if k != "provider_ref"}, norm(o)) for t, p, o in
              WebhookEvent.objects.filter(payload__reference__startswith=prefix).order_by("pk").values_list(
                  "type", "payload", "outcome")]
    audit = [(a, act, t, norm(b), norm(af)) for a, act, t, b, af in AuditEntry.objects.filter(seq__gt=since)
             .order_by("seq").values_list("actor", "action", "object_type", "before", "after")]
    return (pays, norm(escrows), norm(txs), norm(postings), events, audit)


def _since() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _authorise_and_capture(prefix: str, batch: bool) -> tuple[list[int], tuple]:
    since = _since()
    _open(prefix)
    auth = _bodies(prefix, "payment.")
    # a repeat, an unknown payment, a wrong amount and a bad signature among them
    answers = deliver_signed([auth[0], auth[1], auth[0], _tampered(auth[3], provider_ref="sbx_pay_0"),
                        _tampered(auth[4], amount_minor=1), auth[2], auth[3], auth[4]], batch, bad=5)
    batches.capture_payments("hub", [f"{prefix}-{i}" for i in range(5)])
    captured = _bodies(prefix, "payment.captured")
    # captured twice in one batch, and a late authorisation after the capture (stale)
    answers += deliver_signed([captured[0], auth[0], captured[1], captured[0], captured[2], auth[2]], batch)
    return answers, _recorded(prefix, since)


def test_receiving_a_batch_is_receiving_one_by_one():
    one = _authorise_and_capture("A", batch=False)
    many = _authorise_and_capture("B", batch=True)
    assert many == one
    answers, (pays, escrows, txs, *_rest) = many
    assert answers == [200, 200, 200, 404, 422, 400, 200, 200, 200, 200, 200, 200, 200, 200]
    assert [p[0] for p in pays] == ["captured", "captured", "declined", "captured", "authorised"]
    assert [e[0] for e in escrows] == ["X-0", "X-1", "X-3"] and [t[0] for t in txs] == ["escrow_hold"] * 3
    assert verify().ok


def test_a_refused_event_is_not_recorded_and_its_retry_is_handled():
    _open("R", n=2)
    auth = _bodies("R", "payment.")
    wrong = _tampered(auth[0], amount_minor=1)
    assert deliver_signed([wrong, auth[1]], batch=True) == [422, 200]
    assert not WebhookEvent.objects.filter(event_id=json.loads(wrong)["id"]).exists()
    assert deliver_signed([auth[0], auth[1]], batch=True) == [200, 200]  # the retry; the other a duplicate
    assert list(Payment.objects.order_by("pk").values_list("state", flat=True)) == ["authorised", "authorised"]
    assert WebhookEvent.objects.count() == 2


def test_an_event_recorded_meanwhile_sends_the_batch_one_by_one():
    """`recorded` did not know it (a racing delivery recorded it): the batch's insert fails, and
    each event is received alone — that one a duplicate, the others processed once."""
    _open("C", n=3)
    auth = _bodies("C", "payment.")
    assert deliver_signed([auth[0]], batch=True) == [200]
    provider = SandboxProvider.from_settings()
    now = timezone.now()
    answers = receive_many("sandbox", [(provider.signed_headers(b, now), b) for b in auth], now, recorded=set())
    assert answers == [200, 200, 200]
    assert WebhookEvent.objects.count() == 3
    assert list(Payment.objects.order_by("pk").values_list("state", flat=True)) == ["authorised", "authorised",
                                                                                    "declined"]


def test_a_late_authorisation_of_an_abandoned_payment_is_voided_alone_in_a_batch():
    starts = [Start("buyer:1", f"L-{i}", Money("20.00", "MYR"), 3, "MYR", buyer_user_id=1) for i in range(3)]
    batches.start_payments(starts)
    for s in starts:
        services.authorise_payment("buyer:1", s.order_ref, GOOD)
    services.abandon_payment("buyer:1", "L-1")  # the buyer's authorisation is already on its way
    auth = _bodies("L", "payment.authorised")
    since = _since()
    assert deliver_signed(auth, batch=True) == [200, 200, 200]
    outcomes = dict(WebhookEvent.objects.values_list("payload__reference", "outcome"))
    assert outcomes == {"L-0": "payment created -> authorised",
                        "L-1": "late authorisation of an abandoned payment: void requested",
                        "L-2": "payment created -> authorised"}
    actions = list(AuditEntry.objects.filter(seq__gt=since).order_by("seq").values_list("action", "object_id"))
    ids = dict(Payment.objects.values_list("order_ref", "pk"))
    assert actions == [("payments.payment_authorised", str(ids["L-0"])), ("payments.void_requested", str(ids["L-1"])),
                       ("payments.payment_authorised", str(ids["L-2"]))]
    assert SandboxOutbox.objects.filter(body__contains="payment.voided").exists()


def test_deliver_sandbox_delivers_later_what_a_batch_refused():
    _open("D", n=2)
    Payment.objects.filter(order_ref="D-0").update(provider_ref="moved")  # its events cannot be handled
    from ewtp.payments.webhooks import deliver_sandbox

    later = timezone.now() + timedelta(minutes=5)
    delivered = deliver_sandbox(later)
    waiting = SandboxOutbox.objects.filter(delivered_at=None)
    assert delivered and waiting.exists() and all('"D-0"' in b for b in waiting.values_list("body", flat=True))
    assert all(a >= 1 for a in waiting.values_list("attempts", flat=True))
    assert Payment.objects.get(order_ref="D-1").state == Payment.AUTHORISED
