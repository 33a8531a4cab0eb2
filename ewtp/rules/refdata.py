"""Loading and querying reference data (sources in ewtp/rules/data/README.md).

Country and HS look-ups are served from in-process tables loaded once from the repo's files,
so validation never costs a query; the database copy serves browsing, search and joins.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction
from django.db.models import Q, QuerySet

from ewtp.core.currencies import currencies
from ewtp.rules.models import Country, Currency, HSCode, HSSection

DATA = Path(__file__).parent / "data"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI",
         "XVII", "XVIII", "XIX", "XX", "XXI"]


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@cache
def country_table() -> dict[str, dict[str, str]]:
    return {r["alpha2"]: r for r in _rows("countries.csv")}


def is_country(code: object) -> bool:
    return isinstance(code, str) and code in country_table()


@dataclass(frozen=True)
class HSEntry:
    code: str
    level: int
    parent: str | None
    section: str
    description: str


@cache
def hs_table() -> dict[str, HSEntry]:
    out = {}
    for r in _rows("hs2022.csv"):
        if r["section"] == "TOTAL":  # UN Comtrade's aggregate rows (99, 9999, TOTAL) are not HS codes
            continue
        parent = None if r["parent"] == "TOTAL" else r["parent"]
        out[r["hscode"]] = HSEntry(r["hscode"], int(r["level"]), parent, r["section"], r["description"])
    return out


def is_hs_subheading(code: object) -> bool:
    entry = hs_table().get(code) if isinstance(code, str) else None
    return entry is not None and entry.level == 6


@dataclass(frozen=True)
class LoadCounts:
    countries: int
    currencies: int
    hs_sections: int
    hs_codes: int


def load_reference_data() -> LoadCounts:
    """Replace the reference tables with the repo's files; idempotent, one transaction."""
    with transaction.atomic():
        Country.objects.all().delete()
        Country.objects.bulk_create(
            Country(alpha2=r["alpha2"], alpha3=r["alpha3"], numeric=r["numeric"], name_en=r["name_en"],
                    name_zh_hans=r["name_zh_hans"], name_ms=r["name_ms"], currency=r["currency"])
            for r in country_table().values()
        )
        Currency.objects.all().delete()
        Currency.objects.bulk_create(
            Currency(code=c.code, numeric=c.numeric, minor_unit=c.minor_unit, name=c.name) for c in currencies().values()
        )
        for level in (6, 4, 2):  # children before parents (PROTECT)
            HSCode.objects.filter(level=level).delete()
        HSSection.objects.all().delete()
        sections = _rows("hs2022-sections.csv")
        HSSection.objects.bulk_create(
            HSSection(roman=r["section"], position=ROMAN.index(r["section"]) + 1, name=r["name"]) for r in sections
        )
        entries = sorted(hs_table().values(), key=lambda e: (e.level, e.code))  # parents first
        HSCode.objects.bulk_create(
            (HSCode(code=e.code, level=e.level, parent_id=e.parent, section_id=e.section, description=e.description,
                    search_text=e.description.lower()) for e in entries),
            batch_size=1000,
        )
    return LoadCounts(Country.objects.count(), Currency.objects.count(), HSSection.objects.count(), HSCode.objects.count())


def search_hs(query: str, level: int | None = None) -> QuerySet[HSCode]:
    """By code prefix when the query is digits (dots and spaces ignored), else every word must
    appear in the description."""
    q = query.strip()
    qs = HSCode.objects.select_related("section")
    if level:
        qs = qs.filter(level=level)
    digits = q.replace(".", "").replace(" ", "")
    if digits.isdigit():
        return qs.filter(code__startswith=digits[:6])
    words = [w for w in q.lower().split() if w][:8]
    cond = Q()
    for w in words:
        cond &= Q(search_text__contains=w)
    return qs.filter(cond)
