"""The columns a regime kernel works on, for a group of quotes with one destination and one date.

`Raw` holds the request's own figures (source currency); `prepare` converts them into the
destination currency, strips included tax, spreads shipping and insurance over the lines by
value, and looks up each line's duty, tax and excise rate (a rate given on the line overrides the
pack and is marked so). The scalar engine builds a group of one quote with Decimal arrays; the
batch engine builds large groups with float arrays. Same code, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

from ewtp.rules import fx as ecb
from ewtp.rules.packs import Pack, Rule
from ewtp.rules.tariffs import TariffLine, lookup


@dataclass
class Raw:
    # per quote
    currency: np.ndarray
    shipping: np.ndarray
    insurance: np.ndarray
    ship_from: np.ndarray
    mode: np.ndarray
    ddp: np.ndarray
    pit: np.ndarray
    subdivision: np.ndarray
    regs: dict[str, np.ndarray]
    cbec_used: np.ndarray
    # per line
    q: np.ndarray
    hs: np.ndarray
    origin: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    duty_over: np.ndarray
    duty_has: np.ndarray
    vat_over: np.ndarray
    vat_has: np.ndarray
    exc_over: np.ndarray
    exc_has: np.ndarray
    fx_given: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    hs_int: np.ndarray | None = None  # batch only: the codes as integers (fast grouping)
    origin_int: np.ndarray | None = None


def digits_to_int(codes: np.ndarray) -> np.ndarray:
    """U6 digit strings -> int64 without a per-element Python loop (reads the UCS-4 code points)."""
    a = np.ascontiguousarray(codes, dtype="U6").view(np.uint32).reshape(len(codes), 6)
    out = np.zeros(len(codes), dtype=np.int64)
    for i in range(6):  # integer matmul has no BLAS: six column passes are faster
        out = out * 10 + (a[:, i].astype(np.int64) - 48)
    return out


def letters_to_int(codes: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(codes, dtype="U2").view(np.uint32).reshape(len(codes), 2)
    return a[:, 0].astype(np.int64) * 128 + a[:, 1]


@dataclass
class Frame:
    pack: Pack
    on: date
    country: str
    dest_ccy: str
    minor: int
    raw: Raw
    nq: int
    n: int
    rate_d: np.ndarray  # source -> destination currency, per quote
    rate_t: np.ndarray  # source -> the pack's threshold currency (EUR in the EU), per quote
    eur_d: np.ndarray  # EUR -> destination, per quote (EU flat duty)
    ship: np.ndarray  # shipping + insurance in destination currency, per quote
    g_src: np.ndarray  # line goods value in source currency, net of included tax
    g: np.ndarray  # line goods value in destination currency
    unit: np.ndarray  # unit value in destination currency
    s: np.ndarray  # the line's share of shipping + insurance (destination currency)
    dr: np.ndarray  # duty rate
    dr_known: np.ndarray
    vr: np.ndarray  # VAT/GST/sales tax rate of the line
    cr: np.ndarray  # excise / consumption tax rate
    excise: np.ndarray  # line is an excise good (given excise rate > 0)
    tariff: list[TariffLine | None]  # scalar engine only: where each duty rate came from
    fx_used: list[ecb.Rate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def dest_currency(pack: Pack, country: str, on: date) -> str:
    if pack.currency:
        return pack.currency
    from ewtp.rules.refdata import country_table

    r = pack.at(f"currency.{country}", on)
    return r.params["currency"] if r else country_table()[country]["currency"]


def rate_of(base: str, quote: str, on: date, given: dict[tuple[str, str], Decimal], used: list) -> Decimal:
    """A given rate (or the inverse of one) wins over the ECB reference rate."""
    if base == quote:
        return Decimal(1)
    if (base, quote) in given:
        r = ecb.Rate(base, quote, given[(base, quote)], on, "given")
    elif (quote, base) in given:
        r = ecb.Rate(base, quote, Decimal(1) / given[(quote, base)], on, "given (inverse)")
    else:
        r = ecb.ecb_rate(base, quote, on)
    if r not in used:
        used.append(r)
    return r.rate


def by_hs(params: dict, hs: str, default: Decimal) -> Decimal:
    table = params.get("by_hs") or {}
    for k in (hs[:6], hs[:4], hs[:2]):
        if k in table:
            return Decimal(table[k])
    return default


def tax_rule(pack: Pack, country: str, on: date, key: str | None) -> Rule | None:
    if key is None:
        return None
    return pack.need(key.replace("{country}", country), on)


def prepare(x, raw: Raw, pack: Pack, country: str, on: date, tax_key: str | None, threshold_ccy: str | None,
            ct_rule: Rule | None = None, want_tariff: bool = False) -> Frame:
    from ewtp.core.currencies import get_currency, is_currency

    dest = dest_currency(pack, country, on)
    nq, n = len(raw.currency), len(raw.q)
    used: list[ecb.Rate] = []
    cache: dict[tuple[str, str], Decimal] = {}

    ccys, ccy_inv = x.uniq(raw.currency)

    def per_quote(target: str) -> np.ndarray:
        vals = []
        for c in ccys:
            k = (str(c), target)
            if k not in cache:
                cache[k] = rate_of(str(c), target, on, raw.fx_given, used)
            vals.append(x.c(cache[k]))
        return np.array(vals, dtype=object if x.exact else float)[ccy_inv]

    rate_d = per_quote(dest)
    rate_t = per_quote(threshold_ccy) if threshold_ccy and threshold_ccy != dest else rate_d
    eur_d = np.array([x.c(rate_of("EUR", dest, on, raw.fx_given, used))] * nq, dtype=object if x.exact else float) \
        if threshold_ccy == "EUR" else rate_d
    # per-line rates: look up each distinct HS code once
    if raw.hs_int is not None:
        icodes, inv = np.unique(raw.hs_int, return_inverse=True)
        codes = [f"{c:06d}" for c in icodes.tolist()]
    else:
        codes, inv = x.uniq(raw.hs)
    trule = tax_rule(pack, country, on, tax_key)
    base_v = Decimal(trule.params.get("rate", "0")) if trule else Decimal(0)
    v_by_code = [by_hs(trule.params, c, base_v) if trule else Decimal(0) for c in codes]
    sub = (trule.params.get("by_subdivision") or {}) if trule else {}
    vr = np.array([x.c(v) for v in v_by_code], dtype=object if x.exact else float)[inv]
    if sub:
        qrate = np.array([x.c(sub.get(s, base_v)) for s in raw.subdivision], dtype=object if x.exact else float)
        vr = qrate[raw.q]
    if raw.vat_has.any():
        vr = np.where(raw.vat_has, raw.vat_over, vr)
    # tariff: the origin matters only for preferences, so look up per distinct (code, origin)
    duty_rule = pack.at("duty", on)
    pref_origins = set(duty_rule.params.get("preferential_origins", [])) if duty_rule else set()
    if raw.hs_int is not None and raw.origin_int is not None:
        ikeys, kinv = np.unique(raw.hs_int * 16384 + raw.origin_int, return_inverse=True)
        ukeys = [f"{k // 16384:06d}{chr((k % 16384) // 128)}{chr(k % 128)}" for k in ikeys.tolist()]
    else:
        ukeys, kinv = x.uniq(np.array([h + o for h, o in zip(raw.hs.tolist(), raw.origin.tolist(), strict=True)]))
    lines_by_key = [lookup(pack.code, k[:6], on) for k in ukeys]
    rates, known = [], []
    for k, ln in zip(ukeys, lines_by_key, strict=True):
        origin = k[6:]
        if origin in pref_origins:
            rates.append(x.c(0))
            known.append(True)
        elif ln is not None and ln.rate is not None:
            rates.append(x.c(ln.pref.get(origin, ln.rate)))
            known.append(True)
        else:
            rates.append(x.c(0))
            known.append(False)
    dr = np.array(rates, dtype=object if x.exact else float)[kinv]
    dr_known = np.array(known, dtype=bool)[kinv] | raw.duty_has
    if raw.duty_has.any():
        dr = np.where(raw.duty_has, raw.duty_over, dr)
    tariff = [lines_by_key[i] for i in kinv] if want_tariff else []
    # values: strip included tax, convert, spread shipping by value (multiply before dividing)
    one = x.c(1)
    gross = raw.qty * raw.price
    any_pit = raw.pit.any()
    g_src = np.where(raw.pit[raw.q], gross / (one + vr), gross) if any_pit else gross
    ship_src = raw.shipping + raw.insurance
    if any_pit:
        ship_src = np.where(raw.pit, ship_src / (one + x.c(base_v)), ship_src)
    rd_line = rate_d[raw.q]
    g = g_src * rd_line
    ship = ship_src * rate_d
    gsum = x.qsum(g)
    s = ship[raw.q] * g / gsum[raw.q]
    unit = g / raw.qty
    cr = np.where(raw.exc_has, raw.exc_over, x.full(n, 0)) if raw.exc_has.any() else x.full(n, 0)
    if ct_rule is not None:
        for item in ct_rule.params.get("items", []):
            p = item["hs"]
            hit = ((raw.hs_int // 10 ** (6 - len(p))) == int(p) if raw.hs_int is not None
                   else np.char.startswith(raw.hs.astype(str), p)) & ~raw.exc_has
            if hit.any():
                hit &= ~x.lt(unit, x.c(item["min_unit"]), per_line=True)
                cr = np.where(hit, x.c(item["rate"]), cr)
    excise = raw.exc_has & np.asarray(raw.exc_over > 0, dtype=bool) if raw.exc_has.any() else raw.exc_has
    minor = get_currency(dest).minor_unit if is_currency(dest) else int(_withdrawn_minor(pack, country, on))
    return Frame(pack, on, country, dest, minor, raw, nq, n, rate_d, rate_t, eur_d, ship,
                 g_src, g, unit, s, dr, dr_known, vr, cr, excise, tariff, used)


def _withdrawn_minor(pack: Pack, country: str, on: date) -> int:
    """Minor unit of a currency no longer in ISO 4217's current list (e.g. BGN before the euro)."""
    r = pack.at(f"currency.{country}", on)
    return int(r.params.get("minor_unit", 2)) if r else 2
