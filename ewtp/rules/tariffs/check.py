"""Checks of the tariff files for `ewtp rules validate`."""

from __future__ import annotations

from datetime import date

from ewtp.rules.refdata import hs_table
from ewtp.rules.tariffs import schedules


def check_tariffs() -> tuple[int, list[str]]:
    problems: list[str] = []
    count = 0
    hs = hs_table()
    for code, sched in schedules().items():
        if not sched.source:
            problems.append(f"tariffs/{code}: missing source")
        for hs_code, lines in sched.lines.items():
            if hs_code not in hs:
                problems.append(f"tariffs/{code}: {hs_code} is not an HS 2022 code")
            spans = sorted((ln.effective_from or date.min, ln.effective_to or date.max, ln) for ln in lines)
            for (_, a_to, a), (b_from, _, b) in zip(spans, spans[1:], strict=False):
                if b_from <= a_to:
                    problems.append(f"tariffs/{code}: {hs_code} has overlapping rates ({a.source} / {b.source})")
            for ln in lines:
                count += 1
                if not ln.source:
                    problems.append(f"tariffs/{code}: {hs_code} has no source")
                if ln.rate is not None and not (0 <= ln.rate < 10):
                    problems.append(f"tariffs/{code}: {hs_code} rate {ln.rate} out of range")
    return count, problems
