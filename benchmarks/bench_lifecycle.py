"""End-to-end order lifecycles (issue 8): `ewtp simulate` — checkout to payout through the
services, in chunks — on a throwaway SQLite database (or EWTP_BENCH_DATABASE_URL, e.g. a
PostgreSQL database), reported beside the machine's raw transaction rate. The target is 200
complete lifecycles per second on SQLite. EWTP_BENCH_LIFECYCLE_ORDERS sizes it (default 3,000, about
half a minute; the issue's 100,000 take about 13 minutes on the machine of the tenth session)."""

from __future__ import annotations

import os

from benchmarks.django_env import setup_django

N_ORDERS = int(os.environ.get("EWTP_BENCH_LIFECYCLE_ORDERS", "3000"))


def run(limits: dict) -> dict:
    url = setup_django()
    from ewtp.demo.lifecycle import run_command

    result = run_command(N_ORDERS, 7, 2_000)
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    raw = limits["pgbench_tpcb_tps_1_client"] if engine == "postgresql" else limits["sqlite_tx_per_s"]
    return {"database": engine, **result, "target_lifecycles_per_s": 200,
            "lifecycles_vs_raw_tx_rate": round(result["lifecycles_per_s"] / raw, 4) if raw else None}
