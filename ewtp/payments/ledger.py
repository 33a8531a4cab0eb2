"""Posting balanced ledger transactions, one at a time or in batches.

A transaction is two or more postings that sum to zero in every currency, written as a whole
or not at all. Postings are append-only; a correction is a new transaction whose `corrects`
points at the one it corrects. Each account row caches its balance; the cache moves in the
same database transaction as the postings, so `verify` can prove cache == sum(postings).

Concurrency: on PostgreSQL the touched account rows are locked with SELECT ... FOR UPDATE in
ascending id order (a fixed order, so two writers can never wait on each other in a cycle);
on SQLite the hub opens write transactions with BEGIN IMMEDIATE, which serialises writers.
A guarded account (allow_negative=False) below zero is refused by the database itself (CHECK
constraint `payments_account_guarded`) and turned into InsufficientFunds; nothing is written.

The hot path uses the connection's cursor directly because the ORM's per-object overhead
would cost several times the database's own work. SQLite: three statements (update the
balances, insert the transaction, insert its postings); outside a service's transaction on
the bare sqlite3 connection with its own BEGIN IMMEDIATE/COMMIT, since Django's atomic() and
cursor wrapper were a fifth to a quarter of the time. PostgreSQL: one prepared statement with
data-modifying CTEs (insert the transaction and its postings, then lock and update the
balances), which is atomic by itself — outside a service's transaction it needs no
BEGIN/COMMIT round trips, and the locks on hot accounts (hub fees, clearing) are held for the
end of that one statement and its commit only.

Cost on SQLite is dominated by pages written per commit (about 13 WAL pages for a 4-posting
transaction: four account rows, about four (account, tx) index leaves, the postings' tx index,
the transaction and its reference index, the postings; no AUTOINCREMENT sequence, see
models.RowId) — see benchmarks/bench_ledger.py. Every one of those indexes serves a read
(statements by account, a transaction's postings, lookups by reference).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import chunks
from ewtp.payments import shards
from ewtp.payments.models import Account

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

ACC, TX, POST = "payments_account", "payments_ledgertransaction", "payments_posting"
CHUNK = 500  # ids per IN (...) list


class Unbalanced(ValidationFailed):
    code = "unbalanced_transaction"


class InsufficientFunds(Conflict):
    code = "insufficient_funds"


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting to make: `amount_minor` signed (+ into the account, - out of it). `sweep`: the
    other shards of a hot guarded account, moved to this (home) row before a debit (shards.py)."""

    account_id: int
    currency: str
    allow_negative: bool
    amount_minor: int
    sweep: tuple[int, ...] = ()

    @classmethod
    def of(cls, account: Account, amount: Money | int) -> Leg:
        if isinstance(amount, Money):
            if amount.currency != account.currency:
                raise Unbalanced(
                    f"a {amount.currency} amount cannot be posted to {account} ({account.currency})"
                )
            minor = amount.to_minor()  # refuses a fraction of a minor unit
        else:
            minor = int(amount)
        row, sweep = shards.target(account, minor)
        return cls(row, account.currency, account.allow_negative, minor, sweep)


@dataclass(slots=True)
class Entry:
    kind: str
    reference: str
    legs: list[Leg] = field(default_factory=list)
    corrects_id: int | None = None

    def add(self, account: Account, amount: Money | int) -> Entry:
        self.legs.append(Leg.of(account, amount))
        return self


def check_balanced(entry: Entry) -> None:
    """Refuse the whole transaction unless it has >= 2 non-zero postings summing to zero per currency."""
    legs = entry.legs
    if len(legs) < 2:
        raise Unbalanced(f"{entry.kind} {entry.reference}: a transaction needs at least two postings")
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.amount_minor == 0:
            raise Unbalanced(f"{entry.kind} {entry.reference}: a posting of zero")
        sums[leg.currency] += leg.amount_minor
    off = {c: s for c, s in sums.items() if s}
    if off:
        detail = ", ".join(f"{c} off by {Money.from_minor(s, c).amount}" for c, s in sorted(off.items()))
        raise Unbalanced(f"{entry.kind} {entry.reference}: debits and credits differ ({detail})")
    if not entry.kind or len(entry.kind) > 32 or len(entry.reference) > 120:
        raise Unbalanced("a transaction needs a kind (<= 32 chars) and a reference (<= 120 chars)")


def _now(db: BaseDatabaseWrapper = connection) -> object:
    return db.ops.adapt_datetimefield_value(timezone.now())


@lru_cache(maxsize=64)
def _single_sql(n_accounts: int, n_legs: int, mark: str = "%s") -> tuple[str, str, str]:
    """SQLite: move the balances, insert the transaction, insert its postings; `mark` is the
    placeholder (%s through Django's cursor, ? on the bare sqlite3 connection)."""
    case = " ".join([f"WHEN {mark} THEN {mark}"] * n_accounts)
    marks = ",".join([mark] * n_accounts)
    update = (
        f"UPDATE {ACC} SET balance_minor = balance_minor + CASE id {case} ELSE 0 END, "  # noqa: S608
        f"version = version + 1 WHERE id IN ({marks})"
    )
    insert_tx = (
        f"INSERT INTO {TX} (kind, reference, corrects_id, created_at) "  # noqa: S608
        f"VALUES ({mark}, {mark}, {mark}, {mark}) RETURNING id"
    )
    values = ",".join([f"({mark}, {mark}, {mark}, {mark})"] * n_legs)
    insert = f"INSERT INTO {POST} (tx_id, account_id, amount_minor, currency) VALUES {values}"  # noqa: S608
    return update, insert_tx, insert


@lru_cache(maxsize=64)
def _pg_post_sql(n_accounts: int, n_legs: int) -> str:
    """PostgreSQL: the whole transaction as ONE statement, prepared once per connection and
    shape. Order of work: insert the transaction and its postings first, then lock the
    accounts in ascending id order and move their balances last, so the row locks on hot
    accounts (hub fees, clearing) are held for the shortest time before the commit. One
    statement is atomic by itself: outside a service's transaction it needs no BEGIN/COMMIT
    round trips. The CHECK constraint refuses a guarded balance below zero and the (deferred)
    foreign keys an unknown account; either aborts the statement as a whole. Scalars, not
    arrays: psycopg dumps arrays in Python, several times slower than the statement's own work."""
    legs = ",".join(["(%s::bigint, %s::bigint, %s::varchar)"] * n_legs)
    marks = ",".join(["%s::bigint"] * n_accounts)
    moves = ",".join(["(%s::bigint, %s::bigint)"] * n_accounts)
    return (
        f"WITH t AS (INSERT INTO {TX} (kind, reference, corrects_id, created_at) "  # noqa: S608
        "VALUES (%s, %s, %s::bigint, %s) RETURNING id), "
        f"p AS (INSERT INTO {POST} (tx_id, account_id, amount_minor, currency) "
        f"SELECT t.id, v.a, v.m, v.c FROM t, (VALUES {legs}) AS v(a, m, c) RETURNING 1), "
        f"l AS (SELECT id FROM {ACC} WHERE id IN ({marks}) ORDER BY id FOR NO KEY UPDATE), "
        f"u AS (UPDATE {ACC} a SET balance_minor = a.balance_minor + d.delta, version = a.version + 1 "
        f"FROM l JOIN (VALUES {moves}) AS d(id, delta) ON d.id = l.id WHERE a.id = l.id RETURNING a.id) "
        "SELECT (SELECT id FROM t), (SELECT COUNT(*) FROM p), (SELECT COUNT(*) FROM u)"
    )


def _refused(entry: Entry, exc: IntegrityError) -> Exception:
    """Turn the database's refusal into the ledger's own error."""
    text = str(exc)
    if "payments_account_guarded" in text:
        return InsufficientFunds(f"{entry.kind} {entry.reference}: a guarded account would go below zero")
    if "account_id" in text or "payments_account" in text:
        return NotFound(f"{entry.kind} {entry.reference}: unknown ledger account")
    return exc


@lru_cache(maxsize=1)
def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg.types.numeric import Int8BinaryDumper, Int8Dumper

    class PreparedCursor(ServerBindingCursor):
        """Server-side binding, prepared on first use: the ledger's statement is planned once
        per connection instead of on every call (planning cost more than executing). Every
        int is sent as int8, so one statement shape is one prepared statement whatever the
        values (psycopg would otherwise pick int2/int4/int8 by value, each its own statement)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.adapters.register_dumper(int, Int8Dumper)
            self.adapters.register_dumper(int, Int8BinaryDumper)

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor


def _pg_post(db: BaseDatabaseWrapper, entry: Entry, ids: list[int], moves: list[int]) -> int:
    legs = entry.legs
    sql = _pg_post_sql(len(ids), len(legs))
    params = [
        entry.kind,
        entry.reference,
        entry.corrects_id,
        _now(db),
        *(x for leg in legs for x in (leg.account_id, leg.amount_minor, leg.currency)),
        *ids,
        *moves,
    ]

    def run() -> int:
        db.ensure_connection()
        # through Django's cursor wrapper: errors mapped, queries logged and counted as usual
        with db._prepare_cursor(_prepared_cursor_class()(db.connection)) as cur:
            cur.execute(sql, params)
            tx_id, posted, updated = cur.fetchone()
        if updated != len(ids) or posted != len(legs):
            raise NotFound(f"{entry.kind} {entry.reference}: unknown ledger account")
        return tx_id

    try:
        if db.in_atomic_block:  # inside a service: a savepoint keeps its transaction usable
            with transaction.atomic():
                return run()
        return run()
    except IntegrityError as exc:
        raise _refused(entry, exc) from None


def post(entry: Entry) -> int:
    """Post one balanced transaction atomically; returns its id. Raises Unbalanced (nothing
    written), InsufficientFunds if a guarded account would go below zero, or NotFound for an
    unknown account (both rolled back)."""
    check_balanced(entry)
    if any(leg.sweep for leg in entry.legs):
        return _post_swept(entry)
    return _post(entry)


def _post(entry: Entry) -> int:
    deltas: dict[int, int] = defaultdict(int)
    for leg in entry.legs:
        deltas[leg.account_id] += leg.amount_minor
    ids = sorted(deltas)
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a thread-local lookup
    moves = [x for i in ids for x in (i, deltas[i])]
    if db.vendor == "postgresql":
        return _pg_post(db, entry, ids, moves)
    return _sqlite_post(db, entry, ids, moves + ids)


def _lock_and_sweep(legs: list[Leg]) -> None:
    """Before debits on hot guarded accounts (inside the caller's transaction): lock every row
    involved in id order, then move each such account's other shards to its home row, a balanced
    transaction of its own, so the guard sees the whole balance."""
    homes = {leg.account_id: leg for leg in legs if leg.sweep}
    shards.lock_ids(sorted({leg.account_id for leg in legs} | {i for h in homes.values() for i in h.sweep}))
    for home, leg in homes.items():
        moves = shards.sweep_postings(home, leg.sweep)
        if moves:
            _post(Entry(shards.SWEEP, f"account {home}", [Leg(i, leg.currency, False, m) for i, m in moves]))


def _post_swept(entry: Entry) -> int:
    with transaction.atomic():
        _lock_and_sweep(entry.legs)
        return _post(entry)


def _sqlite_write(db: BaseDatabaseWrapper, cur, sql: tuple[str, str, str], entry: Entry, n_accounts: int, moves: list) -> int:
    update, insert_tx, insert = sql
    cur.execute(update, moves)
    if cur.rowcount != n_accounts:
        raise NotFound(f"{entry.kind} {entry.reference}: unknown ledger account")
    tx_id = cur.execute(insert_tx, (entry.kind, entry.reference, entry.corrects_id, _now(db))).fetchone()[0]
    cur.execute(insert, [x for leg in entry.legs for x in (tx_id, leg.account_id, leg.amount_minor, leg.currency)])
    return tx_id


def _sqlite_post(db: BaseDatabaseWrapper, entry: Entry, ids: list[int], moves: list) -> int:
    """SQLite: the write lock (BEGIN IMMEDIATE) is held for the three statements. Outside any
    transaction, on the bare sqlite3 connection: Django's atomic() and cursor wrapper were a
    fifth to a quarter of the time. Inside a service's transaction (or while queries are
    being logged) through Django's cursor and a savepoint. Same statements either way."""
    n, n_legs = len(ids), len(entry.legs)
    try:
        if db.in_atomic_block or db.queries_logged or not db.get_autocommit():
            with transaction.atomic():
                return _sqlite_write(db, db.cursor(), _single_sql(n, n_legs), entry, n, moves)
        db.ensure_connection()
        raw = db.connection
        with db.wrap_database_errors:  # sqlite3 errors as Django's, as elsewhere
            raw.execute("BEGIN IMMEDIATE")
            try:
                tx_id = _sqlite_write(db, raw.cursor(), _single_sql(n, n_legs, "?"), entry, n, moves)
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
            return tx_id
    except IntegrityError as exc:
        raise _refused(entry, exc) from None


def _allocate_tx_ids(cur, n: int) -> list[int]:
    if connection.vendor == "postgresql":
        cur.execute(f"SELECT nextval(pg_get_serial_sequence('{TX}', 'id')) FROM generate_series(1, %s)", [n])  # noqa: S608
        return [r[0] for r in cur.fetchall()]
    # SQLite: BEGIN IMMEDIATE holds the write lock, so nobody else can take ids meanwhile
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {TX}")  # noqa: S608
    start = cur.fetchone()[0] + 1
    return list(range(start, start + n))


def post_batch(entries: Sequence[Entry]) -> list[int]:
    """Post many balanced transactions as one atomic unit (e.g. a day's escrow releases): bulk
    inserts and one balance update per account. Guarded balances are checked at the end of the
    batch (each account is updated once, by its net change, under the database's CHECK
    constraint); if any would be negative, or any entry is unbalanced, nothing is written."""
    if not entries:
        return []
    deltas: dict[int, int] = defaultdict(int)
    moves: dict[int, int] = defaultdict(int)  # account -> transactions moving it (its version rises by each, as one by one)
    for entry in entries:
        check_balanced(entry)
        for leg in entry.legs:
            deltas[leg.account_id] += leg.amount_minor
        for account_id in {leg.account_id for leg in entry.legs}:
            moves[account_id] += 1
    legs = [leg for e in entries for leg in e.legs]
    try:
        if any(leg.sweep for leg in legs):  # rare: debits on hot guarded accounts in a batch
            with transaction.atomic():
                _lock_and_sweep(legs)
                return _post_batch(entries, sorted(deltas), deltas, moves)
        return _post_batch(entries, sorted(deltas), deltas, moves)
    except IntegrityError as exc:
        raise _refused(Entry("batch", "refused"), exc) from None


def _post_batch(entries: Sequence[Entry], ids: list[int], deltas: dict[int, int], moves: dict[int, int]) -> list[int]:
    now = _now()
    with transaction.atomic():
        cur = connection.cursor()
        for chunk in chunks(ids, CHUNK):
            shards.lock_ids(list(chunk))
        tx_ids = _allocate_tx_ids(cur, len(entries))
        tx_rows = [(t, e.kind, e.reference, e.corrects_id, now) for t, e in zip(tx_ids, entries, strict=True)]
        posting_rows = [
            (t, leg.account_id, leg.amount_minor, leg.currency)
            for t, e in zip(tx_ids, entries, strict=True)
            for leg in e.legs
        ]
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: several times faster than row inserts
            raw = cur.cursor
            with raw.copy(f"COPY {TX} (id, kind, reference, corrects_id, created_at) FROM STDIN") as cp:
                for row in tx_rows:
                    cp.write_row(row)
            with raw.copy(f"COPY {POST} (tx_id, account_id, amount_minor, currency) FROM STDIN") as cp:
                for row in posting_rows:
                    cp.write_row(row)
        else:
            cur.executemany(
                f"INSERT INTO {TX} (id, kind, reference, corrects_id, created_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                tx_rows,
            )
            cur.executemany(
                f"INSERT INTO {POST} (tx_id, account_id, amount_minor, currency) "  # noqa: S608
                "VALUES (%s, %s, %s, %s)",
                posting_rows,
            )
        cur.executemany(
            f"UPDATE {ACC} SET balance_minor = balance_minor + %s, version = version + %s "  # noqa: S608
            "WHERE id = %s",
            [(deltas[i], moves[i], i) for i in ids],
        )
        if cur.rowcount != len(ids):
            raise NotFound("batch refused: unknown ledger account")
    return tx_ids


def correct(original_id: int, kind: str, entry: Entry) -> int:
    """Post `entry` as a correction of transaction `original_id` (postings are never edited)."""
    entry.corrects_id = original_id
    entry.kind = kind
    return post(entry)
