"""Run every benchmarks/bench_*.py (or those named: `python -m benchmarks quotes ledger`) and
print their figures beside the machine's limits, as JSON (also written to var/bench.json).

Each benchmark runs in a process of its own: they configure Django differently (their own scratch
databases, hosts, settings), and one must not inherit another's."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
ONE = "--one"


def _run_one(name: str) -> int:
    """Child: one benchmark with the parent's limits; its figures are the last stdout line."""
    limits = json.loads(os.environ["EWTP_BENCH_LIMITS"])
    module = importlib.import_module(f"benchmarks.bench_{name}")
    print("\n" + json.dumps(module.run(limits), default=str), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == [ONE]:
        return _run_one(argv[1])
    from benchmarks.limits import all_limits

    wanted = set(argv)
    here = [str(Path(__file__).parent)]
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(here) if m.name.startswith("bench_"))
    results: dict = {"machine": {"cpus": os.cpu_count()}, "limits": all_limits(), "benchmarks": {}}
    print(json.dumps({"limits": results["limits"]}, indent=2), flush=True)
    for name in names:
        if wanted and name not in wanted:
            continue
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "benchmarks", ONE, name],  # noqa: S603 - our own module
                              env={**os.environ, "EWTP_BENCH_LIMITS": json.dumps(results["limits"])},
                              stdout=subprocess.PIPE, text=True)
        if proc.returncode:
            figures = {"error": f"exit {proc.returncode} (see the output above)"}
        else:
            figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["wall_s"] = round(time.perf_counter() - start, 1)
        results["benchmarks"][name] = figures
        print(json.dumps({name: figures}, indent=2, default=str), flush=True)
    out = Path(os.environ.get("EWTP_VAR_DIR", "var")) / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written to {out}")
    return 1 if any("error" in f for f in results["benchmarks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
