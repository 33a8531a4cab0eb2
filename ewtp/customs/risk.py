"""Risk lanes from operator-editable rules. Pure: rules and facts in, lane and reasons out.

Lanes: green (released automatically), yellow (document check by an officer), red (physical
inspection). The strictest triggered rule wins. A line without an HS code always goes to yellow:
an officer must classify it before release.

Rule kinds and their params:
  value_below_typical  {"hs_prefix": "3304", "typical_unit_price": "120", "ratio": "0.3"}
                       a line's unit price below ratio x the typical price for that HS prefix
  restricted_goods     {"hs_prefixes": ["9301", "3003"]}  goods restricted or prohibited here
  new_seller           {"min_age_days": 30}  seller organisation younger than that, or unknown
  buyer_over_limit     {"limit": "26000"}  buyer's year-to-date + this parcel above the limit
  random_sampling      {"rate": "0.02"}  a deterministic draw from the declaration number, so the
                       selection can be re-checked afterwards
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ewtp.core.errors import ValidationFailed

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
RULE_KINDS = ("value_below_typical", "restricted_goods", "new_seller", "buyer_over_limit", "random_sampling")


@dataclass(frozen=True)
class Facts:
    number: str
    lines: list[dict]  # {"gnum", "hs_code", "unit_price" (Decimal)}
    value: Decimal
    buyer_year_to_date: Decimal
    seller_since: datetime | None
    now: datetime


@dataclass(frozen=True)
class Rule:
    kind: str
    lane: str
    params: dict = field(default_factory=dict)
    id: int | None = None


def _dec(params: dict, key: str) -> Decimal:
    try:
        return Decimal(str(params[key]))
    except (KeyError, InvalidOperation):
        raise ValidationFailed.field(f"params.{key}", "a decimal number is required") from None


def validate_rule(kind: str, lane: str, params: dict) -> None:
    if kind not in RULE_KINDS:
        raise ValidationFailed.field("kind", f"one of {', '.join(RULE_KINDS)}")
    if lane not in (YELLOW, RED):
        raise ValidationFailed.field("lane", "yellow or red (green is what is left)")
    if not isinstance(params, dict):
        raise ValidationFailed.field("params", "an object")
    if kind == "value_below_typical":
        if not str(params.get("hs_prefix", "")).isdigit():
            raise ValidationFailed.field("params.hs_prefix", "digits of an HS code")
        if _dec(params, "typical_unit_price") <= 0 or not 0 < _dec(params, "ratio") <= 1:
            raise ValidationFailed.field("params", "typical_unit_price > 0 and 0 < ratio <= 1")
    elif kind == "restricted_goods":
        prefixes = params.get("hs_prefixes")
        if not isinstance(prefixes, list) or not prefixes or not all(str(p).isdigit() for p in prefixes):
            raise ValidationFailed.field("params.hs_prefixes", "a non-empty list of HS code prefixes")
    elif kind == "new_seller":
        if not isinstance(params.get("min_age_days"), int) or params["min_age_days"] < 0:
            raise ValidationFailed.field("params.min_age_days", "a whole number of days")
    elif kind == "buyer_over_limit":
        if _dec(params, "limit") <= 0:
            raise ValidationFailed.field("params.limit", "a positive amount")
    elif kind == "random_sampling" and not 0 <= _dec(params, "rate") <= 1:
        raise ValidationFailed.field("params.rate", "between 0 and 1")


def draw(number: str) -> Decimal:
    """A uniform number in [0, 1) derived from the declaration number."""
    h = int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big")
    return Decimal(h) / Decimal(2**64)


def _triggered(rule: Rule, f: Facts) -> str | None:
    p = rule.params
    if rule.kind == "value_below_typical":
        floor = _dec(p, "typical_unit_price") * _dec(p, "ratio")
        for li in f.lines:
            if li["hs_code"].startswith(str(p["hs_prefix"])) and li["unit_price"] < floor:
                return f"line {li['gnum']}: unit price {li['unit_price']} below {floor} for HS {p['hs_prefix']}"
    elif rule.kind == "restricted_goods":
        for li in f.lines:
            hit = next((str(x) for x in p["hs_prefixes"] if li["hs_code"].startswith(str(x))), None)
            if hit:
                return f"line {li['gnum']}: HS {li['hs_code']} is restricted ({hit})"
    elif rule.kind == "new_seller":
        if f.seller_since is None:
            return "seller unknown"
        age = (f.now - f.seller_since).days
        if age < p["min_age_days"]:
            return f"seller is {age} days old (< {p['min_age_days']})"
    elif rule.kind == "buyer_over_limit":
        total = f.buyer_year_to_date + f.value
        if total > _dec(p, "limit"):
            return f"buyer's year-to-date {total} over {p['limit']}"
    elif rule.kind == "random_sampling" and draw(f.number) < _dec(p, "rate"):
        return f"random sampling (rate {p['rate']})"
    return None


def assess(rules: list[Rule], facts: Facts) -> tuple[str, list[dict]]:
    """-> (lane, reasons); reasons name the rule (id, kind), its lane and why."""
    lane, reasons = GREEN, []
    for li in facts.lines:
        if not li["hs_code"]:
            reasons.append({"rule": None, "kind": "missing_hs_code", "lane": YELLOW,
                            "why": f"line {li['gnum']} has no HS code"})
            lane = YELLOW if SEVERITY[lane] < SEVERITY[YELLOW] else lane
            break
    for rule in rules:
        why = _triggered(rule, facts)
        if why:
            reasons.append({"rule": rule.id, "kind": rule.kind, "lane": rule.lane, "why": why})
            if SEVERITY[rule.lane] > SEVERITY[lane]:
                lane = rule.lane
    return lane, reasons
