"""Parallel writers on PostgreSQL: balances stay equal to the sums of their postings, guarded
accounts never go negative, and an escrow is never released twice."""

from __future__ import annotations

import pytest

from ewtp.core.errors import Conflict
from ewtp.core.money import Money
from ewtp.payments import accounts, escrow, ledger
from ewtp.payments.ledger import Entry, InsufficientFunds
from ewtp.payments.models import Account, Escrow
from ewtp.payments.verify import verify
from tests.conftest import is_postgres
from tests.payments.helpers import in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if not is_postgres():
        pytest.skip("row-lock concurrency is tested on PostgreSQL")


def test_parallel_writers_keep_balances_equal_to_postings():
    clearing = accounts.clearing("sandbox", "EUR")
    shared = [accounts.seller_escrow(i, "EUR") for i in range(3)]
    fees = accounts.hub_fees("EUR")
    ledger.post(
        Entry("seed", "seed")
        .add(clearing, -300_000)
        .add(shared[0], 100_000)
        .add(shared[1], 100_000)
        .add(shared[2], 100_000)
    )
    refused = []

    def writer(k: int) -> None:
        # every writer touches the same hot accounts in a different order: no deadlock, no lost update
        for i in range(60):
            a, b = shared[(k + i) % 3], shared[(k + 2 * i + 1) % 3]
            entry = Entry("move", f"w{k}-{i}").add(a, -(700 + k))
            if a.pk == b.pk:
                entry.add(fees, 700 + k)
            else:
                entry.add(b, 700 + k - 1).add(fees, 1)
            try:
                ledger.post(entry)
            except InsufficientFunds:  # allowed: a guarded account may run dry; then nothing is written
                refused.append((k, i))

    assert in_threads(6, writer) == []
    assert len(refused) < 6 * 60
    rep = verify()
    assert rep.ok, rep.problems
    assert all(a.balance_minor >= 0 for a in Account.objects.filter(allow_negative=False))
    assert sum(a.balance_minor for a in Account.objects.all()) == 0


def test_draining_a_guarded_account_in_parallel_never_overdraws():
    clearing = accounts.clearing("sandbox", "EUR")
    src = accounts.seller_available(1, "EUR")
    ledger.post(Entry("seed", "seed").add(clearing, -1000).add(src, 1000))
    ok, refused = [], []

    def drainer(k: int) -> None:
        for i in range(10):
            try:
                ledger.post(Entry("drain", f"d{k}-{i}").add(src, -30).add(clearing, 30))
                ok.append(1)
            except InsufficientFunds:
                refused.append(1)

    assert in_threads(6, drainer) == []
    src.refresh_from_db()
    assert src.balance_minor == 1000 - 30 * len(ok) >= 0
    assert len(ok) == 33 and len(refused) == 27  # 33 * 30 = 990; the 34th would overdraw
    assert verify().ok


def test_an_escrow_released_by_many_at_once_is_released_once(rates):
    escrow.hold(
        "test",
        order_ref="C-1",
        seller_org_id=1,
        amount=Money("100.00", "MYR"),
        seller_currency="MYR",
        provider="sandbox",
    )
    conflicts = []

    def releaser(k: int) -> None:
        try:
            escrow.release("test", "C-1", rates=rates)
        except Conflict:
            conflicts.append(k)

    assert in_threads(5, releaser) == []
    assert len(conflicts) == 4
    e = Escrow.objects.get(order_ref="C-1")
    assert e.released_minor == 10000 and e.state == Escrow.POSTED
    assert accounts.seller_available(1, "MYR").balance_minor == 10000
    assert verify().ok


def test_services_racing_on_one_seller_neither_deadlock_nor_lose_money(rates):
    """Captures (webhooks), refunds, releases and a payout run for one seller at once."""
    from ewtp.payments import services
    from ewtp.payments.models import Payment, SandboxOutbox
    from ewtp.payments.providers.sandbox import SandboxProvider
    from ewtp.payments.webhooks import receive

    for i in range(12):
        services.start_payment(
            "test",
            order_ref=f"K-{i}",
            amount=Money("30.00", "MYR"),
            seller_org_id=5,
            seller_currency="MYR",
            card_number="4242424242424242",
        )
    Payment.objects.update(state=Payment.AUTHORISED)
    for i in range(12):
        services.capture_payment("test", f"K-{i}")
    for i in range(6):  # half of them captured before the race
        escrow.hold(
            "test",
            order_ref=f"K-{i}",
            seller_org_id=5,
            amount=Money("30.00", "MYR"),
            seller_currency="MYR",
            provider="sandbox",
        )
        Payment.objects.filter(order_ref=f"K-{i}").update(state=Payment.CAPTURED)
    provider = SandboxProvider.from_settings()
    captured_events = [
        row.body.encode()
        for row in SandboxOutbox.objects.filter(body__contains="payment.captured").order_by("id")
        if any(f'"K-{i}"' in row.body for i in range(6, 12))
    ]

    def actor(k: int) -> None:
        if k == 0:
            for body in captured_events:
                receive("sandbox", provider.signed_headers(body), body)
        elif k == 1:
            for i in range(3):
                services.request_refund("test", f"K-{i}", Money("10.00", "MYR"))
        elif k == 2:
            for i in range(3, 6):
                escrow.release("test", f"K-{i}", rates=rates)
        else:
            services.run_payouts("test")

    assert in_threads(4, actor) == []
    rep = verify()
    assert rep.ok, rep.problems
    held = sum(e.held_minor for e in Escrow.objects.all())
    assert held == 12 * 3000
