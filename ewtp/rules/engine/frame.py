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
from ewtp.rules.engine.ops import any_
from ewtp.rules.engine.plan import plan_for
from ewtp.rules.packs import Pack, Rule
from ewtp.rules.tariffs import TariffLine


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
    any_excise: bool = False  # excise.any(), asked by several kernels


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


def prepare(x, raw: Raw, pack: Pack, country: str, on: date, tax_key: str | None, threshold_ccy: str | None,
            ct_rule: Rule | None = None, want_tariff: bool = False) -> Frame:
    plan = plan_for(pack, country, on, tax_key)
    dest = plan.dest
    nq, n = len(raw.currency), len(raw.q)
    used: list[ecb.Rate] = []
    cache: dict[tuple[str, str], Decimal] = {}

    if nq == 1:  # one quote: its currency's rates, no grouping
        src = str(raw.currency[0])
        rate_d = x.one(x.c(rate_of(src, dest, on, raw.fx_given, used)))
        rate_t = (x.one(x.c(rate_of(src, threshold_ccy, on, raw.fx_given, used)))
                  if threshold_ccy and threshold_ccy != dest else rate_d)
    else:
        ccys, ccy_inv = x.uniq(raw.currency)

        def per_quote(target: str) -> np.ndarray:
            vals = []
            for c in ccys:
                k = (str(c), target)
                if k not in cache:
                    cache[k] = rate_of(str(c), target, on, raw.fx_given, used)
                vals.append(x.c(cache[k]))
            return x.col(vals)[ccy_inv]

        rate_d = per_quote(dest)
        rate_t = per_quote(threshold_ccy) if threshold_ccy and threshold_ccy != dest else rate_d
    eur_d = x.col([x.c(rate_of("EUR", dest, on, raw.fx_given, used))] * nq) if threshold_ccy == "EUR" else rate_d
    if plan.tax_key and plan.trule is None:
        pack.need(plan.tax_key, on)  # raises: no VAT/GST rule in force on the date
    base_v = plan.base_v
    if x.exact:  # one quote of a few lines: each line straight from the plan's memo
        hs_l = raw.hs.tolist()
        vr = x.col([plan.vat_rate(c) for c in hs_l])
        duties = [plan.duty_rate(h + o, on) for h, o in zip(hs_l, raw.origin.tolist(), strict=True)]
        dr = x.col([x.c(d[0]) for d in duties])
        dr_known = np.array([d[1] for d in duties], dtype=bool)
        tariff = [d[2] for d in duties] if want_tariff else []
    else:  # many lines: look up each distinct HS code, and (code, origin) for duty, once
        icodes, inv = np.unique(raw.hs_int, return_inverse=True)
        vr = x.col([plan.vat_rate(f"{c:06d}") for c in icodes.tolist()])[inv]
        ikeys, kinv = np.unique(raw.hs_int * 16384 + raw.origin_int, return_inverse=True)
        ukeys = [f"{k // 16384:06d}{chr((k % 16384) // 128)}{chr(k % 128)}" for k in ikeys.tolist()]
        duties = [plan.duty_rate(k, on) for k in ukeys]
        dr = x.col([x.c(d[0]) for d in duties])[kinv]
        dr_known = np.array([d[1] for d in duties], dtype=bool)[kinv]
        tariff = [duties[i][2] for i in kinv] if want_tariff else []
    if plan.sub:
        qrate = x.col([x.c(plan.sub.get(s, base_v)) for s in raw.subdivision])
        vr = qrate[raw.q]
    if any_(raw.vat_has):
        vr = np.where(raw.vat_has, raw.vat_over, vr)
    if any_(raw.duty_has):  # else dr_known | duty_has is dr_known
        dr_known |= raw.duty_has
        dr = np.where(raw.duty_has, raw.duty_over, dr)
    # values: strip included tax, convert, spread shipping by value (multiply before dividing)
    one = x.c(1)
    gross = raw.qty * raw.price
    any_pit = any_(raw.pit)
    g_src = np.where(raw.pit[raw.q], gross / (one + vr), gross) if any_pit else gross
    ship_src = raw.shipping + raw.insurance
    if any_pit:
        ship_src = np.where(raw.pit, ship_src / (one + x.c(base_v)), ship_src)
    # per quote -> per line: one quote's values broadcast, many are gathered
    ship = ship_src * rate_d
    if nq == 1:  # one quote's values broadcast
        g = g_src * rate_d
        gsum = x.qsum(g)
        s = ship * g / gsum
    else:  # many are gathered
        g = g_src * rate_d[raw.q]
        gsum = x.qsum(g)
        s = ship[raw.q] * g / gsum[raw.q]
    unit = g / raw.qty
    any_exc = any_(raw.exc_has)
    cr = np.where(raw.exc_has, raw.exc_over, x.full(n, 0)) if any_exc else x.full(n, 0)
    if ct_rule is not None:
        for item in ct_rule.params.get("items", []):
            p = item["hs"]
            hit = ((raw.hs_int // 10 ** (6 - len(p))) == int(p) if raw.hs_int is not None
                   else np.char.startswith(raw.hs.astype(str), p)) & ~raw.exc_has
            if any_(hit):
                hit &= ~x.lt(unit, x.c(item["min_unit"]), per_line=True)
                cr = np.where(hit, x.c(item["rate"]), cr)
    excise = raw.exc_has & np.asarray(raw.exc_over > 0, dtype=bool) if any_exc else raw.exc_has
    return Frame(pack, on, country, dest, plan.minor, raw, nq, n, rate_d, rate_t, eur_d, ship,
                 g_src, g, unit, s, dr, dr_known, vr, cr, excise, tariff, used, any_excise=any_(excise))
