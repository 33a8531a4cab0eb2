"""Duty rates by importing jurisdiction and HS subheading, loaded once per process.

`data/<jurisdiction>.toml` holds shipped MFN rates, each with its schedule's source; a line may
name preferential rates by origin (`pref = { VN = "0" }`). A schedule may declare a default rate
for a range of chapters (Singapore, Norway and Switzerland levy no duty on most goods). For GB,
the UK Trade Tariff commodity records in `uk/` (the official API format, see uk.py) are loaded on
top. A code without a rate is None for the caller, who turns it into an error naming the code
when duty is actually due: never a silent zero.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
MEMO_MAX = 50_000


@dataclass(frozen=True)
class TariffLine:
    jurisdiction: str
    code: str  # 6-digit subheading or 4-digit heading
    rate: Decimal | None  # ad valorem fraction; None when the duty is not expressible as one
    description: str
    source: str
    note: str = ""
    pref: dict[str, Decimal] = field(default_factory=dict, hash=False, compare=False)
    effective_from: date | None = None
    effective_to: date | None = None
    unsupported: str = ""  # the duty expression the engine cannot compute (e.g. a specific duty)

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to)


@dataclass
class Schedule:
    jurisdiction: str
    name: str
    source: str
    note: str
    lines: dict[str, list[TariffLine]]
    default_rate: Decimal | None = None
    default_chapters: tuple[int, int] | None = None
    default_except: frozenset[str] = frozenset()
    effective_from: date | None = None
    # (hs, date) -> line, on the schedule itself so a reloaded schedule starts empty; bounded.
    memo: dict[tuple[str, date], TariffLine | None] = field(default_factory=dict, repr=False, compare=False)

    def lookup(self, hs: str, on: date) -> TariffLine | None:
        k = (hs, on)
        try:
            return self.memo[k]
        except KeyError:
            pass
        if len(self.memo) >= MEMO_MAX:
            self.memo.clear()
        found = self.memo[k] = self._lookup(hs, on)
        return found

    def _lookup(self, hs: str, on: date) -> TariffLine | None:
        for code in (hs, hs[:4]):
            for line in self.lines.get(code, ()):
                if line.in_force(on):
                    return line
        if self.default_rate is not None and self.default_chapters and (
                self.effective_from is None or on >= self.effective_from):
            ch = int(hs[:2])
            lo, hi = self.default_chapters
            if lo <= ch <= hi and hs[:2] not in self.default_except and hs[:4] not in self.default_except:
                return TariffLine(self.jurisdiction, hs[:2], self.default_rate,
                                  f"chapter {hs[:2]}: {self.name} default", self.source,
                                  f"default rate for chapters {lo:02d}-{hi:02d}")
        return None

    def all_lines(self) -> list[TariffLine]:
        return sorted((ln for lines in self.lines.values() for ln in lines), key=lambda ln: ln.code)


def _schedule(path: Path) -> Schedule:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    j = raw["jurisdiction"]
    lines: dict[str, list[TariffLine]] = {}
    for code, v in raw.get("lines", {}).items():
        lines.setdefault(code, []).append(TariffLine(
            j, code, Decimal(v["mfn"]), v.get("description", ""), v.get("source", raw["source"]), v.get("note", ""),
            {k: Decimal(r) for k, r in v.get("pref", {}).items()}))
    sched = Schedule(j, raw["schedule"], raw["source"], raw.get("note", ""), lines,
                     effective_from=raw.get("effective_from"))
    if "default" in raw:
        d = raw["default"]
        lo, _, hi = d["chapters"].partition("-")
        sched.default_rate = Decimal(d["rate"])
        sched.default_chapters = (int(lo), int(hi or lo))
        sched.default_except = frozenset(d.get("except", []))
    return sched


@cache
def schedules() -> dict[str, Schedule]:
    out = {p.stem.upper(): _schedule(p) for p in sorted(DATA.glob("*.toml"))}
    from ewtp.rules.tariffs.uk import load_uk_records

    gb = out["GB"]
    for line in load_uk_records():
        gb.lines.setdefault(line.code, []).insert(0, line)  # official records take precedence
    return out


def lookup(jurisdiction: str, hs: str, on: date) -> TariffLine | None:
    sched = schedules().get(jurisdiction)
    return sched.lookup(hs, on) if sched else None
