"""What the benchmarks that measure in a child process share: running the child (one JSON line
of figures on stdout) and creating or dropping their scratch PostgreSQL databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PG_BASE = os.environ.get("EWTP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")  # only connects there


def child_figures(module: str, args: list[str], env: dict[str, str]) -> dict:
    """Run `python -m module args` with `env` added; its last stdout line is the JSON figures."""
    proc = subprocess.run([sys.executable, "-m", module, *args],  # noqa: S603 - our own module
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "ewtp.settings", **env},
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pg_admin(sql: str) -> None:
    """One statement on the server (CREATE/DROP DATABASE), outside any transaction."""
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=3) as con:
        con.execute(sql)
