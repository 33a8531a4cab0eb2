"""Issue 8: running the simulator twice with the same seed gives the same figures and the same
records. Two `ewtp simulate` processes, each on its own SQLite file (and its own secret key and
signing certificate), compared table by table with what must differ between two runs normalised:
clock times, random ids and digests, and the per-install secrets."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

TIMINGS = {"seconds", "lifecycles_per_s", "cpu_seconds", "stage_seconds", "stage_cpu_seconds", "peak_memory_mib"}
SKIP = {"django_session", "django_migrations", "sqlite_sequence"}
_NORMAL = [
    (re.compile(r"pbkdf2_sha256\$\S+|^![A-Za-z0-9]{40}$|^ewtp_[A-Za-z0-9_-]{7,8}$"), "<secret>"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d|Z)?"), "<time>"),
    (re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-fA-F]{16,}\b"), "<hex>"),
    (re.compile(r"\b\d{14}\b"), "<stamp>"),
]


def _simulate(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWTP_")}
    env["EWTP_VAR_DIR"] = str(var)  # the embedded SQLite database, whatever the suite runs on
    out = subprocess.run([sys.executable, "-m", "ewtp.cli", "simulate", "--orders", "40", "--chunk", "20", "--seed",
                          "5", "--json"], env=env, capture_output=True, text=True, timeout=600, check=True)
    return {k: v for k, v in json.loads(out.stdout).items() if k not in TIMINGS}


def _norm(value: object) -> object:
    if isinstance(value, str):
        for pattern, mark in _NORMAL:
            value = pattern.sub(mark, value)
    return "<bytes>" if isinstance(value, bytes) else value


def _rows(db: sqlite3.Connection, table: str) -> list[tuple]:
    try:  # in the order written
        rows = db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()  # noqa: S608
    except sqlite3.OperationalError:  # a table without rowid (a full-text index's shadow tables): as a set
        return sorted((tuple(_norm(v) for v in r) for r in db.execute(f'SELECT * FROM "{table}"')), key=repr)  # noqa: S608
    return [tuple(_norm(v) for v in r) for r in rows]


def _tables(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if r[0] not in SKIP]
        return {t: _rows(db, t) for t in names}
    finally:
        db.close()


def test_the_same_seed_gives_the_same_figures_and_records(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    figures = [_simulate(first), _simulate(second)]
    assert figures[0] == figures[1]
    assert figures[0]["completed_lifecycles"] > 0
    a, b = _tables(first / "ewtp.sqlite3"), _tables(second / "ewtp.sqlite3")
    assert a.keys() == b.keys()
    differ = [t for t in a if a[t] != b[t]]
    assert not differ, f"tables differ between two runs of one seed: {differ}"
    assert len(a["payments_webhookevent"]) > 0 and len(a["core_auditentry"]) > 0  # the comparison saw the flow
