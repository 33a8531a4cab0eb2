"""ISO 4217 currencies with their minor units (source: ewtp/core/data/README.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "currencies.csv"


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    numeric: str
    minor_unit: int
    name: str


@cache
def currencies() -> dict[str, Currency]:
    with open(_DATA, encoding="utf-8") as fh:
        return {
            r["code"]: Currency(r["code"], r["numeric"], int(r["minor_unit"]), r["name"]) for r in csv.DictReader(fh)
        }


class UnknownCurrency(ValueError):
    def __init__(self, code: object) -> None:
        super().__init__(f"unknown currency code {code!r} (ISO 4217 alphabetic code expected)")
        self.code = code


def get_currency(code: str) -> Currency:
    try:
        return currencies()[code]
    except (KeyError, TypeError):
        raise UnknownCurrency(code) from None


def is_currency(code: str) -> bool:
    return isinstance(code, str) and code in currencies()
