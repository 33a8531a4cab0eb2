"""The batch form of receiving refund and payout outcomes (`webhooks.receive_many`,
payments/settle_batch.py) is receiving each webhook alone: the same answers, refund and payout
states, ledger transactions and balances, event rows and audit entries; a refused or repeated
event is answered alone; what the batch cannot write is received one by one."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.payments import escrow, services
from ewtp.payments.models import (
    Account,
    Escrow,
    LedgerTransaction,
    Payout,
    Posting,
    Refund,
    SandboxOutbox,
    WebhookEvent,
)
from ewtp.payments.providers.sandbox import REFUND_FAILS
from ewtp.payments.verify import verify
from tests.payments.helpers import deliver_signed, flush_webhooks

pytestmark = pytest.mark.django_db
CARD = "4242424242424242"


def _pay(ref: str, amount: str, seller: int, card: str = CARD) -> None:
    services.start_payment("test", order_ref=ref, amount=Money(amount, "MYR"), seller_org_id=seller,
                           seller_currency="MYR", card_number=card, jurisdiction="MY")
    flush_webhooks()
    services.capture_payment("test", ref)


def _setup(rates) -> dict[str, bytes]:
    """Refunds and payouts asked of the sandbox, their outcomes waiting in the outbox, by
    reference ("refund:<id>", "payout:<id>")."""
    for ref, amount, seller, card in (("S1", "40.00", 1, CARD), ("S2", "25.00", 2, CARD), ("S3", "50.00", 3, CARD),
                                      ("S4", "30.00", 3, REFUND_FAILS)):
        _pay(ref, amount, seller, card)
    flush_webhooks()
    escrow.release("test", "S1", rates=rates)
    escrow.release("test", "S2", rates=rates)
    services.request_refund("test", "S3", Money("20.00", "MYR"), "one item returned")
    services.request_refund("test", "S3", Money("5.00", "MYR"), "and another")
    services.request_refund("test", "S4", Money("30.00", "MYR"))
    assert len(services.run_payouts("test")) == 2
    waiting = {}
    for body in SandboxOutbox.objects.filter(delivered_at=None).order_by("id").values_list("body", flat=True):
        doc = json.loads(body)
        if doc["type"].split(".")[0] in ("refund", "payout"):
            waiting.setdefault(doc["data"]["reference"], body.encode())
    return waiting


def _tampered(body: bytes, event_id: str = "", **data) -> bytes:
    doc = json.loads(body)
    doc["data"].update(data)
    doc["id"] = event_id or doc["id"]
    return json.dumps(doc, sort_keys=True).encode()


def _state(tx_after: int, audit_after: int) -> tuple:
    """What the events changed (new rows without their ids: PostgreSQL does not reuse them; and
    accounts by owner, kind and currency: a credit to a hot account lands on a random shard)."""
    logical = {pk: (o, i, k, c) for pk, o, i, k, c in Account.objects.values_list(
        "pk", "owner_type", "owner_id", "kind", "currency")}
    txs = list(LedgerTransaction.objects.filter(pk__gt=tx_after).order_by("pk").values_list("kind", "reference",
                                                                                             "corrects_id"))
    postings = [(ref, logical[a], m, c) for ref, a, m, c in Posting.objects.filter(tx_id__gt=tx_after)
                .order_by("pk").values_list("tx__reference", "account_id", "amount_minor", "currency")]
    balances: dict[tuple, list[int]] = {}
    for pk, balance, version in Account.objects.values_list("pk", "balance_minor", "version"):
        total = balances.setdefault(logical[pk], [0, 0])
        total[0] += balance
        total[1] += version
    return (
        txs, postings, sorted(balances.items()),
        list(Refund.objects.order_by("pk").values_list("pk", "state")),
        list(Payout.objects.order_by("pk").values_list("pk", "state", "failure_reason")),
        list(Escrow.objects.order_by("pk").values_list("pk", "state", "refunded_minor", "released_minor")),
        list(WebhookEvent.objects.order_by("pk").values_list("event_id", "type", "payload", "outcome")),
        list(AuditEntry.objects.filter(seq__gt=audit_after).order_by("seq").values_list(
            "seq", "actor", "action", "object_type", "object_id", "before", "after")),
        [p.settled_at is not None for p in Payout.objects.order_by("pk")],
    )


def _both_ways(bodies: list[bytes]) -> tuple[list[int], tuple]:
    """The bodies received one by one and, from the same start, as a batch: both answers and changes."""
    tx_after = LedgerTransaction.objects.order_by("-pk").values_list("pk", flat=True).first()
    audit_after = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    sid = transaction.savepoint()
    one = (deliver_signed(bodies, batch=False), _state(tx_after, audit_after))
    transaction.savepoint_rollback(sid)
    many = (deliver_signed(bodies, batch=True), _state(tx_after, audit_after))
    assert many == one
    return many


def test_receiving_refund_and_payout_outcomes_in_a_batch_is_receiving_them_one_by_one(rates):
    waiting = _setup(rates)
    refunds = sorted(r for r in waiting if r.startswith("refund:"))
    paid = sorted(r for r in waiting if r.startswith("payout:"))
    r1, r2, failed = (waiting[r] for r in refunds)  # the third: the refund_fails card's
    p1, p2 = (waiting[r] for r in paid)
    bodies = [
        _tampered(r1, amount_minor=1),  # refused alone (and not recorded: its real copy is handled later)
        r2, p1, r2,  # a repeat in the run
        _tampered(p2, reference="payout:999999"),  # an unknown payout
        _tampered(r2, "evt_other", reference="refund:abc"),  # an unknown refund
        failed,  # alone: it re-opens the escrow
        r1, p2,
        _tampered(p1, currency="EUR"),  # its id is recorded: a duplicate
    ]
    answers, (txs, *_rest) = _both_ways(bodies)
    assert answers == [422, 200, 200, 200, 404, 404, 200, 200, 200, 200]
    assert [t[0] for t in txs].count("refund_out") == 2 and [t[0] for t in txs].count("refund_failed") == 1
    assert set(Refund.objects.values_list("state", flat=True)) == {Refund.SUCCEEDED, Refund.FAILED}
    assert not Payout.objects.filter(state=Payout.PENDING).exists()
    assert verify().ok


def test_a_payout_settled_twice_in_a_run_is_settled_once(rates):
    waiting = _setup(rates)
    p1 = waiting[min(r for r in waiting if r.startswith("payout:"))]
    doc = json.loads(p1)
    other = "payout.failed" if doc["type"] == "payout.paid" else "payout.paid"
    # the same payout answered with the other outcome under another event id: a Conflict, alone
    contrary = json.dumps(doc | {"id": doc["id"] + "x", "type": other}, sort_keys=True).encode()
    answers, (txs, *_rest) = _both_ways([p1, contrary, p1])
    assert answers == [200, 409, 200]
    assert [t[0] for t in txs] == ["payout_out" if doc["type"] == "payout.paid" else "payout_failed"]


def test_an_event_recorded_meanwhile_sends_the_run_one_by_one(rates):
    """`recorded` did not know it (a racing delivery recorded it): the run's insert fails, and each
    event is received alone — that one a duplicate, the others processed once."""
    waiting = _setup(rates)
    bodies = [waiting[r] for r in sorted(waiting) if waiting[r].find(b"refund.failed") < 0]
    assert deliver_signed(bodies[:1], batch=True) == [200]
    assert deliver_signed(bodies, batch=True) == [200] * len(bodies)
    assert WebhookEvent.objects.filter(type__in=["refund.succeeded", "payout.paid", "payout.failed"]).count() == len(
        bodies)
    assert LedgerTransaction.objects.filter(kind__in=["refund_out", "payout_out", "payout_failed"]).count() == len(
        bodies)
    assert verify().ok
