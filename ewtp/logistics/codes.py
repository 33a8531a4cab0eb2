"""Carriers' raw status codes and the one normalised status set they map to.

Each carrier names its code table (`Carrier.code_table`); the tables are CSV files in
data/codes/ (raw_code, description, status, reason, source), each row citing the standard it
comes from. A code missing from its table is not an error here: tracking keeps the event and
flags it (`unknown_code`), so a carrier's new code never loses a scan."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ewtp.logistics.models.shipments import STATUSES

CODES_DIR = Path(__file__).resolve().parent / "data" / "codes"
TABLES = ("upu_emsevt", "dhl_express", "dcsa", "ewtp_hub")


@dataclass(frozen=True)
class CodeRow:
    raw_code: str
    description: str
    status: str
    reason: str
    source: str


@cache
def table(name: str) -> dict[str, CodeRow]:
    """One code table by name, keyed by raw code (upper case). Refuses a row whose status is not
    one of the normalised statuses, so a typo in a table fails loudly at first use."""
    path = CODES_DIR / f"{name}.csv"
    if name not in TABLES or not path.exists():
        raise KeyError(f"no code table {name!r}; one of {', '.join(TABLES)}")
    rows: dict[str, CodeRow] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            row = CodeRow(**{k: (v or "").strip() for k, v in rec.items()})
            if row.status not in STATUSES:
                raise ValueError(f"{path.name}:{line}: status {row.status!r} is not a normalised status")
            if not row.source:
                raise ValueError(f"{path.name}:{line}: no source")
            if row.raw_code.upper() in rows:
                raise ValueError(f"{path.name}:{line}: {row.raw_code} appears twice")
            rows[row.raw_code.upper()] = row
    return rows


def normalise(table_name: str, raw_code: str) -> CodeRow | None:
    """The row for a carrier's raw code, or None when the table does not know it."""
    return table(table_name).get(raw_code.strip().upper())
