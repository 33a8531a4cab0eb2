"""ECB euro reference rates from the repo's copy of eurofxref-hist (see ewtp/rules/data/README.md).

Loaded once per process into sorted date lists per currency, so a look-up is a bisect and never
touches the disk. A quote uses the rate of its date or, when the ECB published none that day
(weekends, TARGET holidays, dates after the copy ends), the last published day before it; the
date actually used is reported with the rate. Cross rates go through EUR.
"""

from __future__ import annotations

import csv
import io
import zipfile
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal
from functools import cache, lru_cache
from pathlib import Path

from ewtp.core.errors import ValidationFailed

FX_FILE = Path(__file__).parent / "data" / "eurofxref-hist.zip"
SOURCE = "ECB"
_CROSS = Context(prec=10)  # cross rates are published to 10 significant digits and used as such


@dataclass(frozen=True, slots=True)
class Rate:
    base: str  # "from"
    quote: str  # "to"
    rate: Decimal  # 1 base = rate quote
    on: date  # the ECB publication day used (the override's quote date for given rates)
    source: str

    def as_dict(self) -> dict:
        return {"from": self.base, "to": self.quote, "rate": str(self.rate), "date": self.on.isoformat(),
                "source": self.source}


@dataclass
class _Series:
    days: list[date]
    rates: list[Decimal]


@cache
def table() -> dict[str, _Series]:
    """Per currency, the publication days (ascending) and units of that currency per EUR."""
    with zipfile.ZipFile(FX_FILE) as zf, zf.open(zf.namelist()[0]) as raw:
        rows = list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8")))
    header = [h.strip() for h in rows[0]]
    series: dict[str, _Series] = {}
    for row in reversed(rows[1:]):  # the file is newest first
        if not row or not row[0].strip():
            continue
        day = date.fromisoformat(row[0].strip())
        for code, cell in zip(header[1:], row[1:], strict=False):
            cell = cell.strip()
            if code and cell and cell != "N/A":
                s = series.setdefault(code, _Series([], []))
                s.days.append(day)
                s.rates.append(Decimal(cell))
    return series


def currencies() -> set[str]:
    return {"EUR", *table()}


def coverage() -> tuple[date, date]:
    usd = table()["USD"]
    return usd.days[0], usd.days[-1]


def per_eur(code: str, on: date) -> tuple[Decimal, date]:
    """Units of `code` per EUR on `on` or the last publication day before it."""
    if code == "EUR":
        return Decimal(1), on
    s = table().get(code)
    if s is None:
        raise ValidationFailed.field("currency", f"no ECB reference rate exists for {code}")
    i = bisect_right(s.days, on)
    if i == 0:
        raise ValidationFailed.field("date", f"no ECB reference rate for {code} on or before {on.isoformat()}")
    return s.rates[i - 1], s.days[i - 1]


@lru_cache(maxsize=65536)  # a pure function of the shipped table: quotes of one day share it
def ecb_rate(base: str, quote: str, on: date) -> Rate:
    """1 `base` in `quote`, via EUR, rounded to 10 significant digits (the rate then used exactly)."""
    if base == quote:
        return Rate(base, quote, Decimal(1), on, SOURCE)
    b, b_day = per_eur(base, on)
    q, q_day = per_eur(quote, on)
    if base == "EUR":
        value = q
    elif quote == "EUR":
        value = _CROSS.divide(Decimal(1), b)
    else:
        value = _CROSS.divide(q, b)
    return Rate(base, quote, value, min(b_day, q_day), SOURCE)
