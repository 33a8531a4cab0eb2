"""Rule packs: one TOML file per jurisdiction in this folder, loaded once per process.

A pack holds dated rules. Each rule has a `key` (what the engine asks for, e.g. "threshold"),
an `id` and `version`, `effective_from`/`effective_to` (inclusive; to may be open), a `source`
and, where the fact is uncertain, a `note`; its `params` carry the numbers. For one key, the
dates of its rules must not overlap, so the engine finds at most one rule per key and date.
The EU pack's VAT rates are generated from ../data/vat-rates.json (see `_eu_vat_rules`).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ewtp.core.errors import ValidationFailed

HERE = Path(__file__).parent
VAT_DATA = HERE.parent / "data" / "vat-rates.json"
VAT_SOURCE = ("EU VAT rates via github.com/ibericode/vat-rates @5abb1e1 (MIT), checked against the European "
              "Commission's 'VAT rates applied in the Member States'; "
              "https://taxation-customs.ec.europa.eu/taxation/vat/vat-directive/vat-rates_en")
REGIMES = {"eu", "gb", "us", "au", "nz", "ca", "sg", "my", "cn", "jp", "no", "ch"}
MEMO_MAX = 50_000  # per pack: (rule key or HS code) x date entries
RULE_FIELDS = {"key", "id", "version", "title", "effective_from", "effective_to", "source", "note", "params"}


@dataclass(frozen=True)
class Rule:
    key: str
    id: str
    version: str
    title: str
    effective_from: date | None  # None: in force since before the source's recorded history
    effective_to: date | None  # None: open-ended
    source: str
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to)

    def ref(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "source": self.source}


@dataclass
class Pack:
    code: str
    name: str
    regime: str
    currency: str | None
    rounding: str
    coverage_from: date
    members: tuple[str, ...]
    rules: list[Rule]
    restrictions: list[Rule]
    file: str
    by_key: dict[str, list[Rule]] = field(default_factory=dict)
    # Look-ups by date, remembered on the pack itself: a reloaded pack is a new object with an
    # empty memo, so nothing stale survives a reload. Bounded by MEMO_MAX (cleared when full).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for r in self.rules:
            self.by_key.setdefault(r.key, []).append(r)

    def at(self, key: str, on: date) -> Rule | None:
        k = ("at", key, on)
        try:
            return self.memo[k]
        except KeyError:
            pass
        found = None
        for r in self.by_key.get(key, ()):
            if r.in_force(on):
                found = r
                break
        self.remember(k, found)
        return found

    def remember(self, key: tuple, value: Any) -> Any:
        if len(self.memo) >= MEMO_MAX:
            self.memo.clear()
        self.memo[key] = value
        return value

    def need(self, key: str, on: date) -> Rule:
        r = self.at(key, on)
        if r is None:
            raise ValidationFailed.field(
                "date", f"no {self.code} rule '{key}' is in force on {on.isoformat()} (the pack covers "
                        f"{_span(self.by_key.get(key, []))})")
        return r

    def restrictions_at(self, on: date) -> tuple[Rule, ...]:
        k = ("restrictions", on)
        try:
            return self.memo[k]
        except KeyError:
            return self.remember(k, tuple(r for r in self.restrictions if r.in_force(on)))


def _span(rules: list[Rule]) -> str:
    if not rules:
        return "no such rule"
    lo = min((r.effective_from for r in rules if r.effective_from), default=None)
    his = [r.effective_to for r in rules]
    hi = None if any(h is None for h in his) else max(h for h in his if h)
    return f"{lo.isoformat() if lo else 'the start'} to {hi.isoformat() if hi else 'open end'}"


def _date(v: Any, where: str, problems: list[str]) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return v
    problems.append(f"{where}: not a date: {v!r}")
    return None


def _rule(raw: dict, where: str, problems: list[str], key: str | None = None) -> Rule | None:
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")
    for f in ("id", "version", "title", "source", "effective_from"):
        if not raw.get(f):
            problems.append(f"{where}: missing {f}")
    if key is None and not raw.get("key"):
        problems.append(f"{where}: missing key")
    frm = _date(raw.get("effective_from"), f"{where}.effective_from", problems)
    to = _date(raw.get("effective_to"), f"{where}.effective_to", problems)
    if frm and to and to < frm:
        problems.append(f"{where}: effective_to {to} before effective_from {frm}")
    if not isinstance(raw.get("params", {}), dict):
        problems.append(f"{where}: params must be a table")
        return None
    return Rule(key or raw.get("key", ""), str(raw.get("id", "")), str(raw.get("version", "")), raw.get("title", ""),
                frm, to, raw.get("source", ""), raw.get("note", ""), raw.get("params", {}))


def _eu_vat_rules(members: list[str]) -> list[Rule]:
    """Dated standard-rate rules per member state from the shipped VAT history."""
    items = json.loads(VAT_DATA.read_text(encoding="utf-8"))["items"]
    out = []
    for cc in members:
        periods = sorted(items[cc], key=lambda p: p["effective_from"])
        for i, p in enumerate(periods):
            frm = None if p["effective_from"].startswith("0000") else date.fromisoformat(p["effective_from"])
            nxt = periods[i + 1]["effective_from"] if i + 1 < len(periods) else None
            to = date.fromisoformat(nxt) - timedelta(days=1) if nxt else None
            std = str(p["rates"]["standard"])
            exceptions = [e["name"] for e in p.get("exceptions", [])]
            out.append(Rule(
                f"vat.{cc}", f"EU-VAT-{cc}-{p['effective_from']}", p["effective_from"],
                f"{cc} VAT standard rate {std}%", frm, to, VAT_SOURCE,
                ("Start date not in the source: in force since before its recorded history. " if frm is None else "")
                + (f"Territories outside the VAT area ({', '.join(exceptions)}) are not modelled." if exceptions else ""),
                {"rate": str(_pct(std)), "reduced": {k: str(_pct(str(v))) for k, v in p["rates"].items() if k != "standard"}},
            ))
    return out


def _pct(v: str):
    from decimal import Decimal

    return (Decimal(v) / 100).normalize()


def parse_pack(path: Path) -> tuple[Pack | None, list[str]]:
    """Read and check one pack file; returns the pack (None if unusable) and its problems."""
    problems: list[str] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{path.name}: not valid TOML: {exc}"]
    for f in ("code", "name", "regime", "rounding", "coverage_from"):
        if not raw.get(f):
            problems.append(f"{path.name}: missing {f}")
    if raw.get("regime") not in REGIMES:
        problems.append(f"{path.name}: unknown regime {raw.get('regime')!r}")
    if raw.get("rounding") not in ("line", "consignment"):
        problems.append(f"{path.name}: rounding must be 'line' or 'consignment'")
    if raw.get("regime") != "eu" and not raw.get("currency"):
        problems.append(f"{path.name}: missing currency")
    rules = [_rule(r, f"{path.name} rules[{i}] {r.get('id', '?')}", problems) for i, r in enumerate(raw.get("rules", []))]
    restr = [_rule(r, f"{path.name} restrictions[{i}] {r.get('id', '?')}", problems, key="restriction")
             for i, r in enumerate(raw.get("restrictions", []))]
    members = list(raw.get("members", []))
    rules = [r for r in rules if r is not None]
    if raw.get("regime") == "eu":
        rules += _eu_vat_rules(members)
    problems += check_overlaps(path.name, rules)
    cov = _date(raw.get("coverage_from"), f"{path.name}.coverage_from", problems)
    if problems and any("missing" in p or "unknown regime" in p for p in problems):
        return None, problems
    pack = Pack(raw["code"], raw["name"], raw["regime"], raw.get("currency"), raw["rounding"], cov or date.min,
                tuple(members), rules, [r for r in restr if r is not None], path.name)
    return pack, problems


def check_overlaps(name: str, rules: list[Rule]) -> list[str]:
    problems = []
    by_key: dict[str, list[Rule]] = {}
    for r in rules:
        by_key.setdefault(r.key, []).append(r)
    for key, rs in by_key.items():
        rs = sorted(rs, key=lambda r: r.effective_from or date.min)
        for a, b in zip(rs, rs[1:], strict=False):
            if a.effective_to is None or (b.effective_from or date.min) <= a.effective_to:
                problems.append(f"{name}: rules {a.id} and {b.id} for '{key}' overlap in time")
    ids = [(r.id, r.version) for r in rules]
    for dup in {i for i in ids if ids.count(i) > 1}:
        problems.append(f"{name}: duplicate rule id/version {dup[0]} {dup[1]}")
    return problems


def pack_files() -> list[Path]:
    return sorted(HERE.glob("*.toml"))


@cache
def packs() -> dict[str, Pack]:
    out = {}
    for path in pack_files():
        pack, problems = parse_pack(path)
        if pack is None:
            raise RuntimeError(f"rule pack {path.name} is unusable: {'; '.join(problems)}")
        out[pack.code] = pack
    return out


@cache
def pack_by_country() -> dict[str, Pack]:
    out = {}
    for p in packs().values():
        for cc in p.members or (p.code,):
            out[cc] = p
    return out


def validate_all() -> tuple[int, list[str]]:
    """Every pack checked (schema, overlapping dates, missing sources); returns (rules, problems)."""
    count, problems = 0, []
    for path in pack_files():
        pack, probs = parse_pack(path)
        problems += probs
        if pack is not None:
            count += len(pack.rules) + len(pack.restrictions)
    return count, problems
