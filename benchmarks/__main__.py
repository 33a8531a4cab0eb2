"""Run every benchmarks/bench_*.py (or those named: `python -m benchmarks quotes ledger`) and
print their figures beside the machine's limits, as JSON (also written to var/bench.json)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")


def main(argv: list[str]) -> int:
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
        module = importlib.import_module(f"benchmarks.bench_{name}")
        figures = module.run(results["limits"])
        figures["wall_s"] = round(time.perf_counter() - start, 1)
        results["benchmarks"][name] = figures
        print(json.dumps({name: figures}, indent=2, default=str), flush=True)
    out = Path(os.environ.get("EWTP_VAR_DIR", "var")) / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
