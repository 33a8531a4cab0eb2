"""Hot accounts kept in several rows: credits spread over the shards, the logical balance is their
sum, a guarded debit sweeps the shards to the home row first (or is refused whole), and the
books verify. On SQLite and PostgreSQL alike; PostgreSQL also with parallel writers."""

from __future__ import annotations

import pytest

from ewtp.core.money import Money
from ewtp.payments import accounts, ledger, queries, shards
from ewtp.payments.ledger import Entry, InsufficientFunds
from ewtp.payments.models import Account, LedgerTransaction, Posting
from ewtp.payments.schemas import account_out
from ewtp.payments.verify import verify
from tests.conftest import is_postgres
from tests.payments.helpers import in_threads

N = 4


@pytest.fixture(autouse=True)
def _four_shards(settings):
    settings.EWTP_LEDGER_SHARDS = N
    shards._rng.seed(7)  # the spread is random in the hub; fixed here so every run draws the same rows


def _credit_fees(times: int, amount: int = 100) -> tuple[Account, Account]:
    clearing, fees = accounts.clearing("sandbox", "EUR"), accounts.hub_fees("EUR")
    for i in range(times):
        ledger.post(Entry("fee", f"o-{i}").add(clearing, -amount).add(fees, amount))
    return clearing, fees


@pytest.mark.django_db
def test_hot_accounts_open_with_their_shards_and_others_with_one_row():
    fees = accounts.hub_fees("EUR")
    rows = Account.objects.filter(kind="hub_fees", currency="EUR").order_by("shard")
    assert [(a.shard, a.shards, a.allow_negative) for a in rows] == [(k, N, False) for k in range(N)]
    assert shards.shard_ids(fees) == [a.pk for a in rows]
    assert accounts.hub_fees("EUR").pk == fees.pk  # the home row, found again
    escrow = accounts.seller_escrow(1, "EUR")
    assert (escrow.shards, Account.objects.filter(kind="escrow").count()) == (1, 1)


@pytest.mark.django_db
def test_credits_spread_and_the_logical_balance_is_their_sum():
    clearing, fees = _credit_fees(60)
    per_row = dict(Account.objects.filter(kind="hub_fees").values_list("shard", "balance_minor"))
    assert sum(per_row.values()) == 6000 and sum(1 for v in per_row.values() if v) > 1
    assert fees.total_minor == 6000 and fees.balance == Money("60.00", "EUR")
    assert clearing.total_minor == -6000  # a boundary account: any sign on any shard
    assert account_out(fees).balance.amount == "60.00"
    listed = queries.postings(fees, limit=1000)
    assert len(listed) == 60 and {p.account_id for p in listed} <= set(shards.shard_ids(fees))
    assert verify().ok, verify().problems


@pytest.mark.django_db
def test_a_guarded_debit_sweeps_the_shards_home_first():
    _, fees = _credit_fees(40)
    home = Account.objects.get(pk=fees.pk)
    assert home.balance_minor < 4000  # most of the money sits on other rows
    out = accounts.refunds_out("sandbox", "EUR")
    tx = ledger.post(Entry("fee_refund", "r-1").add(fees, -3500).add(out, 3500))
    assert Posting.objects.get(tx_id=tx, account_id=fees.pk).amount_minor == -3500
    sweep = LedgerTransaction.objects.get(kind=shards.SWEEP)
    assert sum(sweep.postings.values_list("amount_minor", flat=True)) == 0
    rows = dict(Account.objects.filter(kind="hub_fees").values_list("shard", "balance_minor"))
    assert rows == {0: 500, **{k: 0 for k in range(1, N)}}
    assert fees.total_minor == 500
    assert all(p.tx.kind != shards.SWEEP for p in queries.postings(fees))
    assert verify().ok, verify().problems


@pytest.mark.django_db
def test_a_debit_beyond_the_logical_balance_is_refused_whole():
    _, fees = _credit_fees(10)
    before = dict(Account.objects.filter(kind="hub_fees").values_list("pk", "balance_minor"))
    txs = LedgerTransaction.objects.count()
    out = accounts.refunds_out("sandbox", "EUR")
    with pytest.raises(InsufficientFunds):
        ledger.post(Entry("fee_refund", "r-2").add(fees, -1001).add(out, 1001))
    assert dict(Account.objects.filter(kind="hub_fees").values_list("pk", "balance_minor")) == before
    assert LedgerTransaction.objects.count() == txs  # the sweep went back with the refusal


@pytest.mark.django_db
def test_a_batch_with_a_guarded_debit_sweeps_too():
    _, fees = _credit_fees(20)
    out = accounts.refunds_out("sandbox", "EUR")
    ledger.post_batch([Entry("fee_refund", f"b-{i}").add(fees, -900).add(out, 900) for i in range(2)])
    assert fees.total_minor == 200 and Account.objects.get(pk=fees.pk).balance_minor == 200
    assert verify().ok, verify().problems


@pytest.mark.django_db(transaction=True)
def test_parallel_credits_and_sweeping_debits_on_postgresql():
    if not is_postgres():
        pytest.skip("row-lock concurrency is tested on PostgreSQL")
    clearing, fees = accounts.clearing("sandbox", "EUR"), accounts.hub_fees("EUR")
    out = accounts.refunds_out("sandbox", "EUR")
    refused: list[int] = []

    def worker(k: int) -> None:
        for i in range(25):
            if k == 0 and i % 5 == 4:  # one writer refunds fees now and then: sweeps under load
                try:
                    ledger.post(Entry("fee_refund", f"w{k}-{i}").add(fees, -250).add(out, 250))
                except InsufficientFunds:
                    refused.append(i)
            else:
                ledger.post(Entry("fee", f"w{k}-{i}").add(clearing, -100).add(fees, 100))

    errors = in_threads(4, worker)
    assert not errors, errors
    refunds = 5 - len(refused)
    assert fees.total_minor == 100 * (4 * 25 - 5) - 250 * refunds
    assert all(a.balance_minor >= 0 for a in Account.objects.filter(kind="hub_fees"))
    assert verify().ok, verify().problems


@pytest.mark.django_db
def test_a_reversal_naming_a_swept_shard_debits_the_home_row():
    """adjustments.refund_failed copies a transaction's postings row by row: a guarded shard that
    was credited there may have been swept home since."""
    clearing, fees = _credit_fees(8)
    credited = Posting.objects.filter(account__kind="hub_fees", account__shard__gt=0).select_related("account").first()
    out = accounts.refunds_out("sandbox", "EUR")
    ledger.post(Entry("fee_refund", "sweep-now").add(fees, -100).add(out, 100))  # sweeps every shard home
    assert Account.objects.get(pk=credited.account_id).balance_minor == 0
    tx = ledger.post(Entry("reverse", "r").add(credited.account, -100).add(clearing, 100))
    assert Posting.objects.get(tx_id=tx, amount_minor=-100).account_id == fees.pk
    assert fees.total_minor == 600 and verify().ok


@pytest.mark.django_db
def test_verify_finds_a_hot_account_whose_rows_disagree():
    accounts.hub_fees("EUR")
    assert verify().ok
    Account.objects.filter(kind="hub_fees", shard=2).update(allow_negative=True)
    assert any("shard rows disagree" in p for p in verify().problems)
    Account.objects.filter(kind="hub_fees", shard=2).update(allow_negative=False)
    Account.objects.filter(kind="hub_fees", shard=N - 1).delete()
    assert any("shard rows disagree" in p for p in verify().problems)
