"""Hot ledger accounts kept in several rows (shards), so that concurrent writers do not queue.

Every escrow release credits the hub's fee account and the jurisdiction's tax and duty payable
accounts; every capture debits the provider's clearing account. On PostgreSQL a posting locks the
account's row until its commit, so with one row per hot account the hub posts one transaction
at a time whatever its number of connections. A hot account is therefore opened as
`settings.EWTP_LEDGER_SHARDS` rows — shard 0 its home row — each an ordinary account with its own
postings, cached balance and guard, and the logical balance is their sum (`Account.total_minor`,
`Account.balance`). `ewtp ledger verify` needs nothing new: each row's cache still equals the sum
of its own postings.

Where money goes:
- a credit, or any posting on a boundary account (which may go negative), lands on a random
  shard: any shard is a correct place for it;
- a debit on a guarded account is made on the home row after a `shard_sweep` transaction has
  moved the other shards' balances there, in the same database transaction and under the same
  locks, so the guard sees the logical balance. Debits on hub fees and tax payable are rare
  (refunds, paid tax returns); credits are the hot path.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import connection

from ewtp.payments.models import Account, Kind

HOT_KINDS = frozenset(
    {Kind.PROVIDER_CLEARING, Kind.FX_LIQUIDITY, Kind.HUB_FEES, Kind.FX_MARGIN, Kind.TAX_PAYABLE, Kind.DUTY_PAYABLE}
)
SWEEP = "shard_sweep"
_rng = random.Random()  # noqa: S311 - spreads writers over rows; nothing secret or replayable


def shards_for(kind: str) -> int:
    return max(1, int(settings.EWTP_LEDGER_SHARDS)) if kind in HOT_KINDS else 1


def open_shards(home: Account) -> list[int]:
    """Make sure every shard row of `home` exists; return the ids of all its rows, home first."""
    if home.shards > 1:
        Account.objects.bulk_create(
            [
                Account(owner_type=home.owner_type, owner_id=home.owner_id, kind=home.kind,
                        currency=home.currency, allow_negative=home.allow_negative, shard=k, shards=home.shards)
                for k in range(1, home.shards)
            ],
            ignore_conflicts=True,  # a concurrent opener made them first
        )
    home.__dict__.pop("_shard_ids", None)
    return shard_ids(home)


def shard_ids(account: Account) -> list[int]:
    """Ids of the logical account's rows, home row first (remembered on the instance: ids never
    change). Rows an interrupted opener left missing are made here."""
    ids = account.__dict__.get("_shard_ids")
    if ids is None:
        ids = [account.pk]
        if account.shards > 1:
            ids = list(account.rows().values_list("id", flat=True))
            if len(ids) < account.shards:
                return open_shards(account)
        account.__dict__["_shard_ids"] = ids
    return ids


def target(account: Account, amount_minor: int) -> tuple[int, tuple[int, ...]]:
    """Where a posting of `amount_minor` on `account` goes, and which rows to sweep into it first.
    A row named directly (a reversal copying another transaction's postings) keeps its credits;
    a guarded debit always goes home, even when the row named was another shard (it may have
    been swept since)."""
    if account.shards <= 1:
        return account.pk, ()
    if amount_minor > 0 or account.allow_negative:
        return (_rng.choice(shard_ids(account)) if account.shard == 0 else account.pk), ()
    ids = shard_ids(account)
    return ids[0], tuple(ids[1:])


def lock_ids(ids: list[int]) -> None:
    """PostgreSQL: lock account rows in ascending id order, so two writers never wait on each
    other in a cycle (SQLite's writer lock covers it). NO KEY UPDATE, the lock an UPDATE of the
    balance takes anyway: it does not block other transactions' foreign-key checks (KEY SHARE)
    on postings to the same account."""
    if connection.vendor == "postgresql" and ids:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id FROM payments_account WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [sorted(ids)]
            )


def sweep_postings(home_id: int, others: tuple[int, ...]) -> list[tuple[int, int]]:
    """The (account id, amount) postings that move every other shard's balance to the home row;
    the caller holds the rows' locks. Empty when there is nothing to move."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, balance_minor FROM payments_account WHERE id IN ({}) AND balance_minor <> 0 "  # noqa: S608
            "ORDER BY id".format(",".join(["%s"] * len(others))),
            list(others),
        )
        rows = cur.fetchall()
    if not rows:
        return []
    return [(i, -b) for i, b in rows] + [(home_id, sum(b for _, b in rows))]
