"""Loader for UK Trade Tariff commodity records (the JSON of
https://www.trade-tariff.service.gov.uk/api/v2/commodities/<code>, as in the government's duty
calculator fixtures; copies in ./uk/, Open Government Licence v3).

From each record we take the third-country duty (measure type 103) for ERGA OMNES (geographical
area 1011) with its validity dates. A purely ad valorem expression becomes a rate; anything with
a specific component (e.g. "10.20 % + 93.10 EUR / 100 kg") is kept with `unsupported` set, so a
quote that needs it fails naming the code instead of charging a wrong amount. The record's
10-digit commodity stands for its 6-digit subheading here (noted on the line).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from ewtp.rules.tariffs import TariffLine

UK_DIR = Path(__file__).parent / "uk"
THIRD_COUNTRY_DUTY = "103"
PREFERENCE = "142"
ERGA_OMNES = "1011"
SOURCE = "UK Trade Tariff API commodity record {code} (trade-tariff.service.gov.uk, OGL v3)"


def _day(v: str | None) -> date | None:
    return date.fromisoformat(v[:10]) if v else None


def _expression(measure: dict) -> tuple[Decimal | None, str]:
    comps = measure.get("measure_components") or []
    text = (measure.get("duty_expression") or {}).get("base", "")
    if comps and all(c.get("duty_expression_abbreviation") == "%" and not c.get("monetary_unit_code")
                     and not c.get("measurement_unit_code") for c in comps):
        return sum((Decimal(str(c["duty_amount"])) for c in comps), Decimal(0)) / 100, ""
    return None, text or "no duty expression"


def parse_record(raw: dict) -> list[TariffLine]:
    code10 = raw["goods_nomenclature_item_id"]
    hs6 = code10[:6]
    source = SOURCE.format(code=code10)
    lines = []
    prefs: dict[str, Decimal] = {}
    for m in raw.get("import_measures", []):
        mtype = (m.get("measure_type") or {}).get("id")
        area = (m.get("geographical_area") or {}).get("id", "")
        if mtype == PREFERENCE and len(area) == 2 and not m.get("effective_end_date"):
            rate, _ = _expression(m)
            if rate is not None:
                prefs[area] = rate
    for m in raw.get("import_measures", []):
        if (m.get("measure_type") or {}).get("id") != THIRD_COUNTRY_DUTY:
            continue
        if (m.get("geographical_area") or {}).get("id") != ERGA_OMNES:
            continue
        if not m.get("measure_components") and not (m.get("duty_expression") or {}).get("base"):
            continue  # a condition-only measure (documents to present), no duty of its own
        rate, unsupported = _expression(m)
        if any((c.get("condition") or "").startswith("V") for c in m.get("measure_conditions") or []):
            rate, unsupported = None, "entry price system (duty depends on the import price)"
        lines.append(TariffLine(
            "GB", hs6, rate, raw.get("description_plain") or raw.get("description", ""), source,
            f"rate of commodity {code10} applied to subheading {hs6}", dict(prefs),
            _day(m.get("effective_start_date")), _day(m.get("effective_end_date")), unsupported))
    return lines


def load_uk_records(directory: Path = UK_DIR) -> list[TariffLine]:
    out: list[TariffLine] = []
    seen: set[tuple] = set()
    for path in sorted(directory.glob("*.json")):
        for line in parse_record(json.loads(path.read_text(encoding="utf-8"))):
            key = (line.code, line.rate, line.unsupported, line.effective_from, line.effective_to)
            if key not in seen:  # two fixture files may hold the same commodity
                seen.add(key)
                out.append(line)
    return out
