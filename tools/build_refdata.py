"""Rebuild the project's country and currency tables from the shared reference data.

Run by a developer when the source changes (never at run time):
    .venv/bin/python tools/build_refdata.py ../shared/data/countries/country-codes.csv

Source: datasets/country-codes (ISO 3166-1, ISO 4217; ODC-PDDL-1.0). Country names in
Chinese (zh_Hans) and Malay (ms) come from the Unicode CLDR via Babel (Unicode licence).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from babel import Locale

ROOT = Path(__file__).resolve().parent.parent


def main(src: str) -> None:
    zh, ms, en = Locale.parse("zh_Hans"), Locale.parse("ms"), Locale.parse("en")
    countries, currencies = [], {}
    with open(src, encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            a2 = (row["ISO3166-1-Alpha-2"] or "").strip()
            if len(a2) != 2:
                continue
            cur = (row["ISO4217-currency_alphabetic_code"] or "").strip().split(",")[0]
            countries.append(
                {
                    "alpha2": a2,
                    "alpha3": row["ISO3166-1-Alpha-3"].strip(),
                    "numeric": row["ISO3166-1-numeric"].strip().zfill(3),
                    "name_en": en.territories.get(a2) or row["CLDR display name"],
                    "name_zh_hans": zh.territories.get(a2) or row["UNTERM Chinese Short"],
                    "name_ms": ms.territories.get(a2) or row["CLDR display name"],
                    "currency": cur,
                }
            )
            minor = (row["ISO4217-currency_minor_unit"] or "").strip()
            if cur and minor.isdigit() and cur not in currencies:
                currencies[cur] = {
                    "code": cur,
                    "numeric": row["ISO4217-currency_numeric_code"].strip().split(",")[0].zfill(3),
                    "minor_unit": minor,
                    "name": en.currencies.get(cur, row["ISO4217-currency_name"]),
                }
    countries.sort(key=lambda r: r["alpha2"])
    with open(ROOT / "ewtp/rules/data/countries.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(countries[0]))
        w.writeheader()
        w.writerows(countries)
    with open(ROOT / "ewtp/core/data/currencies.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["code", "numeric", "minor_unit", "name"])
        w.writeheader()
        w.writerows(sorted(currencies.values(), key=lambda r: r["code"]))


if __name__ == "__main__":
    main(sys.argv[1])
