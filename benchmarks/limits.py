"""This machine's raw limits, measured in the same run as the benchmarks, so that every figure
can be reported as a ratio rather than an absolute that means nothing on another machine."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from functools import cache

PG_DSN = os.environ.get("EWTP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")  # only connects there
PGBENCH_DB = "ewtp_bench_pgbench"


@cache
def sqlite_tx_rate(seconds: float = 2.0) -> float:
    """Bare Python sqlite3 (WAL, synchronous=NORMAL, as the hub runs): transactions per second,
    each updating two rows and inserting one."""
    with tempfile.TemporaryDirectory() as d:
        con = sqlite3.connect(os.path.join(d, "raw.db"), isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)")
        con.execute("CREATE TABLE tx (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, amt INTEGER)")
        con.executemany("INSERT INTO acc VALUES (?, 0)", [(i,) for i in range(1000)])
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            a, b = n % 1000, (n * 7 + 1) % 1000
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE acc SET bal = bal - 5 WHERE id = ?", (a,))
            con.execute("UPDATE acc SET bal = bal + 5 WHERE id = ?", (b,))
            con.execute("INSERT INTO tx (a, b, amt) VALUES (?, ?, 5)", (a, b))
            con.execute("COMMIT")
            n += 1
        rate = n / (time.perf_counter() - start)
        con.close()
    return rate


@cache
def sqlite_insert_rate(rows: int = 500_000) -> float:
    """Bulk insert rows/s into SQLite in one transaction (executemany), the raw bulk-write limit."""
    with tempfile.TemporaryDirectory() as d:
        con = sqlite3.connect(os.path.join(d, "bulk.db"))
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT)")
        data = [(f"k{i}", i, "x" * 20) for i in range(rows)]
        start = time.perf_counter()
        con.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", data)
        con.commit()
        rate = rows / (time.perf_counter() - start)
        con.close()
    return rate


def _pg_connect():
    import psycopg

    return psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3)


@cache
def pg_available() -> bool:
    try:
        with _pg_connect():
            return True
    except Exception:  # noqa: BLE001 - unreachable server means "not measured"
        return False


@cache
def pgbench_tps(clients: int = 1, seconds: int = 5) -> float | None:
    """pgbench's built-in TPC-B transaction rate on the same server (None if pgbench or the
    server is missing), in a scratch database created and dropped around it."""
    exe = shutil.which("pgbench") or next(iter(sorted(
        p for p in (f"/usr/lib/postgresql/{v}/bin/pgbench" for v in ("17", "16", "15", "14")) if os.path.exists(p))), None)
    if not exe or not pg_available():
        return None
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    db = PGBENCH_DB  # a scratch database of its own: never the test suite's (CI uses `test`)
    with _pg_connect() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{db}"')
        con.execute(f'CREATE DATABASE "{db}"')
    try:
        subprocess.run([exe, "-i", "-q", "-s", "1", db], env=env, check=True, capture_output=True)
        out = subprocess.run([exe, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), db],
                             env=env, check=True, capture_output=True, text=True).stdout
    finally:
        with _pg_connect() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{db}"')
    for line in out.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    return None


@cache
def pg_copy_rate(rows: int = 500_000) -> float | None:
    """PostgreSQL COPY rows/s into an unlogged-free temp table: the raw bulk-write limit."""
    if not pg_available():
        return None
    with _pg_connect() as con, con.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_copy (a text, b bigint, c text)")
        start = time.perf_counter()
        with cur.copy("COPY bench_copy (a, b, c) FROM STDIN") as cp:
            for i in range(rows):
                cp.write_row((f"k{i}", i, "x" * 20))
        rate = rows / (time.perf_counter() - start)
    return rate


def all_limits() -> dict[str, float | None]:
    return {
        "sqlite_tx_per_s": round(sqlite_tx_rate(), 1),
        "sqlite_bulk_insert_rows_per_s": round(sqlite_insert_rate(), 1),
        "pgbench_tpcb_tps_1_client": pgbench_tps(1),
        "pg_copy_rows_per_s": pg_copy_rate(),
    }
