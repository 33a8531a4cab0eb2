"""Ledger speed: single 4-posting transactions (one per database transaction) on SQLite and
PostgreSQL, and batched posting on SQLite, each beside the machine's raw limit.

Every measurement runs in a child process with its own throwaway database (a temp SQLite
file, or a scratch PostgreSQL database created and dropped here), so the hub's database is
never touched and Django is configured for exactly that database before it starts.
Run alone: `python -m benchmarks ledger` (or `python -m benchmarks.bench_ledger`).

PostgreSQL: the server and admin database come from EWTP_BENCH_PG (as for the limits' pgbench,
default the `test` database, which CI uses: set it to your own database when others share the
server); the scratch database is named after it, so two runs against different databases do
not drop each other's scratch database.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

from benchmarks.subrun import PG_BASE, child_figures, pg_admin

_BASE_DB = PG_BASE.rsplit("/", 1)[1].split("?")[0] or "postgres"
PG_DB = os.environ.get("EWTP_BENCH_PG_SCRATCH", f"ewtp_bench_ledger_{_BASE_DB}")  # scratch, dropped after
SECONDS = float(os.environ.get("EWTP_BENCH_SECONDS", "3"))


def _child(db_url: str, mode: str, clients: int = 1, mix: str = "random", env: dict | None = None) -> dict:
    return child_figures("benchmarks.bench_ledger", [mode, str(clients), mix],
                         {"EWTP_DATABASE_URL": db_url, **(env or {})})


def run(limits: dict) -> dict:
    from benchmarks.limits import pg_available, pgbench_tps

    figures: dict = {}
    with tempfile.TemporaryDirectory() as d:
        single = {
            mix: _child(f"sqlite:///{d}/{mix}.sqlite3", "single", 1, mix) for mix in ("random", "release")
        }
        batch = _child(f"sqlite:///{d}/batch.sqlite3", "batch")
    raw = limits.get("sqlite_tx_per_s") or 0
    for mix, res in single.items():
        figures[f"sqlite_single_tx_per_s_{mix}"] = res["tx_per_s"]
        figures[f"sqlite_single_vs_raw_tx_{mix}"] = round(res["tx_per_s"] / raw, 2) if raw else None
        figures[f"sqlite_single_vs_adjacent_raw_tx_{mix}"] = round(
            res["tx_per_s"] / res["adjacent_raw_tx_per_s"], 2
        )
        figures[f"sqlite_single_wal_pages_per_tx_{mix}"] = res.get("wal_pages_per_tx")
        # the ledger's own statements on a bare sqlite3 connection: what is left is the schema's cost
        figures[f"sqlite_single_vs_same_sql_bare_{mix}"] = round(
            res["tx_per_s"] / res["same_sql_bare_sqlite3_tx_per_s"], 2
        )
    figures["sqlite_batch_postings_per_s"] = batch["postings_per_s"]
    figures["sqlite_batch_vs_raw_bulk_insert"] = (
        round(batch["postings_per_s"] / limits["sqlite_bulk_insert_rows_per_s"], 2)
        if limits.get("sqlite_bulk_insert_rows_per_s")
        else None
    )
    figures["sqlite_batch_target_100k_met"] = batch["postings_per_s"] >= 100_000
    figures["sqlite_release_day_escrows_per_s"] = batch["release_day_escrows_per_s"]
    figures["sqlite_release_day_postings_per_s"] = batch["release_day_postings_per_s"]
    if pg_available():
        base, _, _ = PG_BASE.rpartition("/")

        def fresh(mode: str, clients: int = 1, env: dict | None = None) -> dict:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
            pg_admin(f"CREATE DATABASE {PG_DB}")
            return _child(f"{base}/{PG_DB}", mode, clients, "release", env)

        try:
            for clients in (1, 4):
                # pgbench right before and right after our run: PostgreSQL here is bound by the
                # commit's fsync, whose speed drifts with the other work on this shared machine
                before = pgbench_tps.__wrapped__(clients, 3)
                res = fresh("single", clients)
                after = pgbench_tps.__wrapped__(clients, 3)
                tps = (before + after) / 2 if before and after else None
                figures[f"pg_single_tx_per_s_{clients}_clients"] = res["tx_per_s"]
                figures[f"pgbench_tpcb_tps_{clients}_clients_adjacent"] = round(tps, 1) if tps else None
                figures[f"pg_single_vs_pgbench_{clients}_clients"] = (
                    round(res["tx_per_s"] / tps, 2) if tps else None
                )
                if clients > 1:  # the same with every hot account in one row: what the shards buy
                    one = fresh("single", clients, {"EWTP_LEDGER_SHARDS": "1"})["tx_per_s"]
                    figures[f"pg_single_tx_per_s_{clients}_clients_hot_accounts_one_row"] = one
                    figures[f"pg_single_vs_pgbench_{clients}_clients_hot_accounts_one_row"] = (
                        round(one / tps, 2) if tps else None
                    )
            figures["pg_batch_postings_per_s"] = fresh("batch")["postings_per_s"]
        finally:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
    return figures


# ---- the child process: Django on the throwaway database ------------------------------------


def _setup(n_accounts: int):
    import django

    django.setup()
    from django.core.management import call_command

    from ewtp.payments.models import Account, Kind, Owner

    call_command("migrate", verbosity=0)
    sources = [
        Account(
            owner_type=Owner.PROVIDER,
            owner_id=f"p{i}",
            kind=Kind.PROVIDER_CLEARING,
            currency="EUR",
            allow_negative=True,
        )
        for i in range(n_accounts)
    ]
    sinks = [
        Account(owner_type=Owner.SELLER, owner_id=str(i), kind=Kind.ESCROW, currency="EUR")
        for i in range(3 * n_accounts)
    ]
    Account.objects.bulk_create(sources + sinks, batch_size=1000)
    from ewtp.payments import accounts

    # the hot pair of the `release` mix, opened as the hub opens them (in shards where configured)
    hot = (accounts.clearing("bench", "EUR"), accounts.hub_fees("EUR"))
    return (
        list(Account.objects.filter(allow_negative=True, kind=Kind.PROVIDER_CLEARING, shard=0,
                                    owner_type=Owner.PROVIDER).exclude(owner_id="bench").order_by("id")),
        list(Account.objects.filter(allow_negative=False, kind=Kind.ESCROW).order_by("id")),
        hot,
    )


def _entry(i: int, sources, sinks, mix: str = "random", hot=None):
    """4 postings. `random`: four accounts drawn from the whole pool (worst case for page
    locality). `release`: shaped like an escrow release — the hub's fee account and a provider's
    clearing account (both hot, in shards where the hub keeps them so), two seller accounts
    drawn from the pool."""
    from ewtp.payments.ledger import Entry

    n = len(sources)
    a = 100 + i % 997
    if mix == "release":
        clearing, fees = hot
        return (
            Entry("bench", f"order-{i}")
            .add(clearing, -3 * a)
            .add(fees, a)
            .add(sinks[n + (i * 7) % n], a)
            .add(sinks[2 * n + (i * 13) % n], a)
        )
    return (
        Entry("bench", f"order-{i}")
        .add(sources[i % n], -3 * a)
        .add(sinks[i % n], a)
        .add(sinks[n + (i * 7) % n], a)
        .add(sinks[2 * n + (i * 13) % n], a)
    )


def _single(clients: int, mix: str) -> dict:

    sources, sinks, hot = _setup(250)  # 1,000 accounts, as many rows as the raw baseline's table
    from django.db import connection

    from ewtp.payments.ledger import post

    def worker(k: int) -> int:
        i, n = k, 0
        while time.perf_counter() < stop:
            post(_entry(i, sources, sinks, mix, hot))
            i += clients
            n += 1
        connection.close()
        return n

    adjacent = []
    if connection.vendor == "sqlite":
        from benchmarks.limits import sqlite_tx_rate

        adjacent.append(sqlite_tx_rate.__wrapped__(1.0))  # the raw limit right before ...
    stop = time.perf_counter() + SECONDS
    start = time.perf_counter()
    done = worker(0) if clients == 1 else _in_processes(clients, worker)
    elapsed = time.perf_counter() - start
    if adjacent:
        adjacent.append(sqlite_tx_rate.__wrapped__(1.0))  # ... and right after: the machine is shared
    from ewtp.payments.verify import verify

    assert verify().ok, "the benchmark left the ledger inconsistent"
    result = {
        "tx_per_s": round(done / elapsed, 1),
        "transactions": done,
        "clients": clients,
        "mix": mix,
    }
    if connection.vendor == "sqlite":
        result["adjacent_raw_tx_per_s"] = round(sum(adjacent) / len(adjacent), 1)
        result["wal_pages_per_tx"] = _wal_pages(sources, sinks, mix, hot)
        result["same_sql_bare_sqlite3_tx_per_s"] = _same_sql_bare(sources, sinks, mix, hot)
    return result


def _in_processes(clients: int, work) -> int:
    """Run work(k) for k in range(clients), each in its own process forked after set-up, and
    return the sum of what they return. Processes, not threads: pgbench's clients are native
    threads, while Python threads would take turns on one interpreter lock."""
    from django.db import connections

    connections.close_all()  # never share a connection across fork
    readers, pids = [], []
    for k in range(clients):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 0
            try:
                os.write(w, str(work(k)).encode())
            except BaseException:  # noqa: BLE001 - reported through the exit status
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        readers.append(r)
        pids.append(pid)
    total = 0
    for r, pid in zip(readers, pids, strict=True):
        with os.fdopen(r) as f:
            out = f.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not out:
            raise RuntimeError(f"benchmark client {pid} failed")
        total += int(out)
    return total


def _same_sql_bare(sources, sinks, mix: str, hot, seconds: float = 1.0) -> float:
    """The statements ledger.post sends for the same entries, on a bare sqlite3 connection to
    the same database: the rate the data model allows before any Django or Python cost."""
    import sqlite3

    from django.conf import settings

    from ewtp.payments.ledger import _single_sql

    con = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), isolation_level=None)
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    update, insert_tx, insert = _single_sql(4, 4, "?")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        e = _entry(20_000_000 + n, sources, sinks, mix, hot)
        deltas = {leg.account_id: leg.amount_minor for leg in e.legs}
        ids = sorted(deltas)
        con.execute("BEGIN IMMEDIATE")
        con.execute(update, [x for i in ids for x in (i, deltas[i])] + ids)
        tx = con.execute(insert_tx, [e.kind, e.reference, None, "2026-01-01 00:00:00"]).fetchone()[0]
        con.execute(insert, [x for leg in e.legs for x in (tx, leg.account_id, leg.amount_minor, leg.currency)])
        con.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - start)
    con.close()
    return round(rate, 1)


def _wal_pages(sources, sinks, mix: str, hot, n: int = 500) -> float:
    """Why SQLite costs what it costs: database pages written to the WAL per transaction
    (the raw baseline writes about 2.6: two account rows and one insert)."""
    from django.conf import settings
    from django.db import connection

    from ewtp.payments.ledger import post

    wal = str(settings.DATABASES["default"]["NAME"]) + "-wal"
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.execute("PRAGMA page_size")
        page = cur.fetchone()[0]
    for i in range(n):
        post(_entry(10_000_000 + i, sources, sinks, mix, hot))
    pages = os.path.getsize(wal) / (page + 24) / n
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_autocheckpoint=1000")
    return round(pages, 1)


def _batch() -> dict:
    sources, sinks, _ = _setup(2000)
    from ewtp.payments.ledger import post_batch
    from ewtp.payments.verify import verify

    best = 0.0
    for round_ in range(3):
        entries = [_entry(i + round_ * 50_000, sources, sinks) for i in range(50_000)]  # 200,000 postings
        start = time.perf_counter()
        post_batch(entries)
        best = max(best, 200_000 / (time.perf_counter() - start))
    releases = _release_day(10_000)
    assert verify().ok, "the benchmark left the ledger inconsistent"
    return {"postings_per_s": round(best, 1), **releases}


def _release_day(n: int) -> dict:
    """A day's auto-release end to end (`escrow.release_due`): n escrows delivered long ago,
    half of them paid in another currency than the seller's (FX legs), released in one run."""
    from datetime import timedelta

    from django.utils import timezone

    from ewtp.payments import accounts, escrow
    from ewtp.payments.ledger import Entry, post_batch
    from ewtp.payments.models import Escrow, Posting

    long_ago = timezone.now() - timedelta(days=30)
    rows = [
        Escrow(
            order_ref=f"day-{i}",
            seller_org_id=i % 500,
            currency="EUR" if i % 2 else "MYR",
            seller_currency="MYR",
            jurisdiction="MY",
            provider="sandbox",
            held_minor=10_000 + i % 977,
            duty_minor=300,
            tax_minor=500,
            fee_minor=250,
            delivered_at=long_ago,
        )
        for i in range(n)
    ]
    Escrow.objects.bulk_create(rows, batch_size=2000)
    with accounts.memoised():
        post_batch(
            [
                Entry("escrow_hold", e.order_ref)
                .add(accounts.clearing("sandbox", e.currency), -e.held_minor)
                .add(accounts.seller_escrow(e.seller_org_id, e.currency), e.held_minor)
                for e in rows
            ]
        )
    before = Posting.objects.count()
    start = time.perf_counter()
    released = escrow.release_due("bench", limit=n)
    elapsed = time.perf_counter() - start
    assert len(released) == n
    postings = Posting.objects.count() - before
    return {
        "release_day_escrows_per_s": round(n / elapsed, 1),
        "release_day_postings_per_s": round(postings / elapsed, 1),
    }


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "single":
        print(json.dumps(_single(int(sys.argv[2]), sys.argv[3])))
    elif mode == "batch":
        print(json.dumps(_batch()))
    else:
        from benchmarks.limits import all_limits

        print(json.dumps(run(all_limits()), indent=2))
