"""What `frame.prepare` needs that depends only on the pack, the destination and the date: the
destination currency and its minor unit, the VAT/GST rule, the duty rule's preferential origins,
and per HS code (and origin) the tax and duty rates. Looked up once and remembered on the pack
(`Pack.memo`), so a reloaded pack starts afresh; a plan also remembers the tariff schedule it
read and is rebuilt when the schedules were reloaded. Quotes of one destination and day share
it: the scalar engine then spends its time on the basket, not on finding rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ewtp.core.currencies import get_currency, is_currency
from ewtp.rules.packs import Pack, Rule
from ewtp.rules.refdata import country_table
from ewtp.rules.tariffs import Schedule, TariffLine, schedules

ZERO = Decimal(0)
PER_PLAN_MAX = 20_000  # distinct HS codes (and code + origin pairs) remembered per plan


@dataclass
class Plan:
    dest: str  # destination currency
    minor: int  # its minor unit
    tax_key: str | None  # the pack key of the VAT/GST rule, "{country}" filled in
    trule: Rule | None  # None with a tax_key: no rule in force, prepare raises (after FX, as always)
    base_v: Decimal  # the rule's standard rate
    sub: dict  # rate by subdivision (Canada)
    pref_origins: frozenset[str]
    sched: Schedule | None
    vat: dict[str, Decimal] = field(default_factory=dict)
    duty: dict[str, tuple[Decimal | int, bool, TariffLine | None]] = field(default_factory=dict)

    def vat_rate(self, hs: str) -> Decimal:
        """The pack's rate for the code: by subheading, heading or chapter, else the standard rate."""
        v = self.vat.get(hs)
        if v is None:
            v = _by_hs(self.trule.params, hs, self.base_v) if self.trule else ZERO
            _put(self.vat, hs, v)
        return v

    def duty_rate(self, key: str, on: date) -> tuple[Decimal | int, bool, TariffLine | None]:
        """key = HS code + origin -> (rate, known, tariff line). A preferential origin pays 0; else
        the line's rate for the origin or its MFN rate; no line (or no ad valorem rate): unknown."""
        d = self.duty.get(key)
        if d is None:
            ln = self.sched.lookup(key[:6], on) if self.sched else None
            origin = key[6:]
            if origin in self.pref_origins:
                d = (0, True, ln)
            elif ln is not None and ln.rate is not None:
                d = (ln.pref.get(origin, ln.rate), True, ln)
            else:
                d = (0, False, ln)
            _put(self.duty, key, d)
        return d


def _put(memo: dict, key: str, value) -> None:
    if len(memo) >= PER_PLAN_MAX:
        memo.clear()
    memo[key] = value


def _by_hs(params: dict, hs: str, default: Decimal) -> Decimal:
    table = params.get("by_hs") or {}
    for k in (hs[:6], hs[:4], hs[:2]):
        if k in table:
            return Decimal(table[k])
    return default


def dest_currency(pack: Pack, country: str, on: date) -> str:
    if pack.currency:
        return pack.currency
    r = pack.at(f"currency.{country}", on)
    return r.params["currency"] if r else country_table()[country]["currency"]


def _minor(pack: Pack, country: str, on: date, dest: str) -> int:
    if is_currency(dest):
        return get_currency(dest).minor_unit
    # a currency no longer in ISO 4217's current list (e.g. BGN before the euro)
    r = pack.at(f"currency.{country}", on)
    return int(r.params.get("minor_unit", 2)) if r else 2


def plan_for(pack: Pack, country: str, on: date, tax_key: str | None) -> Plan:
    k = ("plan", country, on, tax_key)
    sched = schedules().get(pack.code)
    plan = pack.memo.get(k)
    if plan is not None and plan.sched is sched:
        return plan
    dest = dest_currency(pack, country, on)
    key = tax_key.replace("{country}", country) if tax_key else None
    trule = pack.at(key, on) if key else None
    duty_rule = pack.at("duty", on)
    return pack.remember(k, Plan(
        dest, _minor(pack, country, on, dest), key, trule,
        Decimal(trule.params.get("rate", "0")) if trule else ZERO,
        (trule.params.get("by_subdivision") or {}) if trule else {},
        frozenset(duty_rule.params.get("preferential_origins", [])) if duty_rule else frozenset(), sched))
