"""ISO <-> GACC code lists (country, currency, unit), read from data/gacc_codes.csv (see its README)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from ewtp.core.errors import ValidationFailed

CODES_FILE = Path(__file__).parent / "data" / "gacc_codes.csv"
TABLES = ("country", "currency", "unit")
CNY = "142"  # the only currency CBEC import messages accept (GACC code, not ISO 156)


@cache
def _tables() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    to_gacc: dict[str, dict[str, str]] = {t: {} for t in TABLES}
    to_iso: dict[str, dict[str, str]] = {t: {} for t in TABLES}
    with CODES_FILE.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            table, iso, gacc = row["table"], row["iso"].strip().upper(), row["gacc"].strip()
            if table not in TABLES or not iso or len(gacc) != 3 or not gacc.isdigit():
                raise ValueError(f"{CODES_FILE.name} line {n}: malformed row {row}")
            if iso in to_gacc[table] or gacc in to_iso[table]:
                raise ValueError(f"{CODES_FILE.name} line {n}: duplicate {table} code {iso}/{gacc}")
            to_gacc[table][iso] = gacc
            to_iso[table][gacc] = iso
    return {t: (to_gacc[t], to_iso[t]) for t in TABLES}


def to_gacc(table: str, iso: str, *, field: str | None = None) -> str:
    """ISO code -> GACC code; an unknown code is a 422 naming `field`."""
    code = _tables()[table][0].get(iso.strip().upper())
    if code is None:
        raise ValidationFailed.field(field or table, f"no GACC {table} code for {iso!r} in the code table")
    return code


def to_iso(table: str, gacc: str) -> str | None:
    return _tables()[table][1].get(gacc.strip())


def gacc_country(iso2: str, field: str = "country") -> str:
    return to_gacc("country", iso2, field=field)


def gacc_currency(iso4217: str, field: str = "currency") -> str:
    return to_gacc("currency", iso4217, field=field)


def gacc_unit(unece: str, field: str = "unit") -> str:
    return to_gacc("unit", unece, field=field)
