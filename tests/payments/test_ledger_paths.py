"""ledger.post has two shapes per database: outside any transaction (SQLite: the bare sqlite3
connection with its own BEGIN IMMEDIATE/COMMIT; PostgreSQL: one prepared statement in
autocommit) and inside a service's transaction (a savepoint). Both must write the same rows and
leave the connection as they found it, also when they refuse."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ewtp.core.errors import NotFound
from ewtp.payments import accounts, ledger
from ewtp.payments.ledger import Entry, InsufficientFunds, Leg
from ewtp.payments.models import Account, LedgerTransaction, Posting
from ewtp.payments.verify import verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _one_row_per_account(settings):
    """These tests pin the statements each path writes; hot accounts in shards are tests/payments/test_shards.py."""
    settings.EWTP_LEDGER_SHARDS = 1


def _accounts():
    return accounts.clearing("sandbox", "EUR"), accounts.seller_escrow(1, "EUR"), accounts.hub_fees("EUR")


def _entry(ref: str, clearing, escrow, fees) -> Entry:
    # one account twice: its balance moves once, by the net amount, and both postings are kept
    return Entry("t", ref).add(clearing, -500).add(escrow, 300).add(clearing, -100).add(fees, 300)


def _written(tx_id: int) -> list[tuple[int, int, str]]:
    return list(Posting.objects.filter(tx_id=tx_id).order_by("id").values_list("account_id", "amount_minor", "currency"))


@pytest.mark.parametrize("inside_atomic", [False, True])
def test_both_paths_write_the_legs_in_order_and_net_each_account(inside_atomic: bool):
    clearing, escrow, fees = _accounts()
    assert connection.get_autocommit()
    if inside_atomic:
        with transaction.atomic():
            tx_id = ledger.post(_entry("r1", clearing, escrow, fees))
    else:
        tx_id = ledger.post(_entry("r1", clearing, escrow, fees))
    assert _written(tx_id) == [
        (clearing.pk, -500, "EUR"),
        (escrow.pk, 300, "EUR"),
        (clearing.pk, -100, "EUR"),
        (fees.pk, 300, "EUR"),
    ]
    tx = LedgerTransaction.objects.get(pk=tx_id)
    assert (tx.kind, tx.reference, tx.corrects_id) == ("t", "r1", None)
    got = {a.pk: (a.balance_minor, a.version) for a in Account.objects.filter(pk__in=[clearing.pk, escrow.pk, fees.pk])}
    assert got == {clearing.pk: (-600, 1), escrow.pk: (300, 1), fees.pk: (300, 1)}
    fix = ledger.correct(tx_id, "t_fix", Entry("", "r1").add(escrow, -300).add(clearing, 300))
    assert LedgerTransaction.objects.get(pk=fix).corrects_id == tx_id
    assert verify().ok
    assert connection.get_autocommit() and not connection.in_atomic_block


def test_refusals_outside_a_transaction_write_nothing_and_leave_the_connection_usable():
    clearing, escrow, fees = _accounts()
    with pytest.raises(InsufficientFunds):
        ledger.post(Entry("t", "over").add(escrow, -1).add(clearing, 1))
    ghost = Leg(account_id=999_999, currency="EUR", allow_negative=True, amount_minor=5)
    with pytest.raises(NotFound):
        ledger.post(Entry("t", "ghost", [Leg.of(clearing, -5), ghost]))
    assert not LedgerTransaction.objects.exists() and not Posting.objects.exists()
    assert connection.get_autocommit() and not connection.in_atomic_block
    if connection.vendor == "sqlite":
        assert not connection.connection.in_transaction
    tx_id = ledger.post(_entry("ok", clearing, escrow, fees))  # the next one goes through
    assert len(_written(tx_id)) == 4 and verify().ok


def test_a_post_inside_a_rolled_back_service_transaction_leaves_no_trace():
    clearing, escrow, fees = _accounts()
    with transaction.atomic():
        ledger.post(_entry("gone", clearing, escrow, fees))
        transaction.set_rollback(True)
    assert not Posting.objects.exists()
    assert Account.objects.get(pk=clearing.pk).balance_minor == 0


def test_posts_are_visible_to_query_logging():
    """While queries are logged (DEBUG, query-count tests) the ledger's statements are counted:
    PostgreSQL sends one statement, SQLite three (plus Django's BEGIN/COMMIT bookkeeping)."""
    clearing, escrow, fees = _accounts()
    with CaptureQueriesContext(connection) as ctx:
        ledger.post(_entry("logged", clearing, escrow, fees))
    sql = [q["sql"] for q in ctx.captured_queries]
    if connection.vendor == "postgresql":
        assert len(sql) == 1 and sql[0].startswith("WITH t AS (INSERT INTO payments_ledgertransaction")
    else:
        assert sum(s.startswith(("UPDATE", "INSERT")) for s in sql) == 3


def test_a_batch_raises_each_accounts_version_as_one_by_one():
    """An account's version rises once per transaction that moves it, in a batch as one by one."""
    clearing, escrow, fees = _accounts()
    ledger.post(_entry("v1", clearing, escrow, fees))
    ledger.post(_entry("v2", clearing, escrow, fees))
    one_by_one = {a.pk: a.version for a in Account.objects.filter(pk__in=[clearing.pk, escrow.pk, fees.pk])}
    ledger.post_batch([_entry("v3", clearing, escrow, fees), _entry("v4", clearing, escrow, fees),
                       Entry("t", "v5").add(clearing, -1).add(fees, 1)])
    got = {a.pk: a.version for a in Account.objects.filter(pk__in=[clearing.pk, escrow.pk, fees.pk])}
    assert one_by_one == {clearing.pk: 2, escrow.pk: 2, fees.pk: 2}
    assert got == {clearing.pk: 5, escrow.pk: 4, fees.pk: 5} and verify().ok
