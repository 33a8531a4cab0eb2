"""The scalar engine: one quote, exact Decimal arithmetic, full explanation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any

import numpy as np

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine import explain
from ewtp.rules.engine.context import pack_for
from ewtp.rules.engine.frame import Frame, Raw, prepare
from ewtp.rules.engine.inputs import REGISTRATIONS, Line, QuoteInput, parse
from ewtp.rules.engine.kernel import KernelOut
from ewtp.rules.engine.ops import D0, DecOps, any_, const
from ewtp.rules.engine.regimes import regime
from ewtp.rules.engine.rounding import consolidate

KIND_ORDER = {"duty": 0, "tax": 1, "fee": 2}
_ROW_ORDER = itemgetter(0, 1, 2)  # line, kind, column: charges by line, then duty, tax, fee
_QUANTUM = {m: Decimal(1).scaleb(-m) for m in range(5)}


class _Regs(dict):
    """Registration -> bool array of one quote, made on first use (most kernels ask for one)."""

    def __init__(self, held: frozenset[str]) -> None:
        super().__init__()
        self.held = held

    def __missing__(self, key: str) -> np.ndarray:
        if key not in REGISTRATIONS:
            raise KeyError(key)
        v = self[key] = const(key in self.held)
        return v


_ABSENT: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _given(values: tuple, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-line override column (0 where absent) and where it was given."""
    if values.count(None) == n:  # the usual case: the same two read-only columns for every quote of n lines
        pair = _ABSENT.get(n)
        if pair is None:
            pair = _ABSENT[n] = (const(D0, n, exact=True), const(False, n))
        return pair
    return DecOps.col([D0 if v is None else v for v in values]), np.array([v is not None for v in values], dtype=bool)


def _by_field(qi: QuoteInput) -> list[tuple]:
    """The lines transposed, in one call: codes, descriptions, origins, quantities, prices, ..."""
    return list(zip(*qi.lines, strict=True)) if qi.lines else [()] * len(Line._fields)


def raw_from_input(qi: QuoteInput, by_field: list[tuple] | None = None) -> Raw:
    """`by_field`: the lines transposed (`_by_field`), when the caller has them already."""
    n = len(qi.lines)
    hs, _desc, origin, qty, price, _weight, duty, vat, exc = by_field or _by_field(qi)
    duty_over, duty_has = _given(duty, n)
    vat_over, vat_has = _given(vat, n)
    exc_over, exc_has = _given(exc, n)
    return Raw(
        currency=const(qi.currency), shipping=DecOps.one(qi.shipping), insurance=DecOps.one(qi.insurance),
        ship_from=const(qi.ship_from), mode=const(qi.mode), ddp=const(qi.incoterm == "DDP"),
        pit=const(qi.prices_include_tax), subdivision=const(qi.subdivision),
        regs=_Regs(qi.registrations), cbec_used=DecOps.one(qi.cbec_used),
        q=const(0, n), hs=np.array(hs, dtype="U6"),
        origin=np.array(origin, dtype="U2"), qty=DecOps.col([Decimal(v) for v in qty]),
        price=DecOps.col(price), duty_over=duty_over, duty_has=duty_has, vat_over=vat_over,
        vat_has=vat_has, exc_over=exc_over, exc_has=exc_has,
        fx_given={(g.base, g.quote): g.rate for g in qi.fx} if qi.fx else {},
    )


def _missing(f: Frame, out: KernelOut) -> None:
    if not any_(np.asarray(out.missing_duty, dtype=bool)):
        return
    fields = {}
    for i in np.nonzero(out.missing_duty)[0]:
        t = f.tariff[i]
        code = f.raw.hs[i]
        why = (f"the {f.pack.code} duty for HS {code} is {t.unsupported!r}, which this engine does not compute"
               if t is not None and t.unsupported else f"no {f.pack.code} duty rate is known for HS {code}")
        fields[f"lines.{i}.hs_code"] = [f"{why} on {f.on.isoformat()}: give duty_rate on the line "
                                        f"(binding ruling or your own classification)"]
    if fields:
        raise ValidationFailed("; ".join(f"{k}: {v[0]}" for k, v in fields.items()), code="no_duty_rate",
                               fields=fields)


def _s(v: Decimal) -> str:
    t = str(v)  # the same as f"{v:f}" unless str chose exponent notation, and three times faster
    return f"{v:f}" if "E" in t else t


_RATE_Q = Decimal("1e-10")
_RATES: dict = {}


def _rate(v) -> str:
    """A rate for display: 10 places at most, no trailing zeros (remembered: a pack has few rates)."""
    t = _RATES.get(v)
    if t is None:
        q = Decimal(v).quantize(_RATE_Q).normalize()
        t = f"{q:f}"
        if len(_RATES) > 4096:
            _RATES.clear()
        _RATES[v] = t
    return t


def compute(qi: QuoteInput) -> tuple[Frame, KernelOut]:
    pack = pack_for(qi.country, qi.date)
    by_field = _by_field(qi)
    explain.refuse_restricted(pack, qi.date, by_field[0], by_field[2])
    mod = regime(pack.regime)
    raw = raw_from_input(qi, by_field)
    x = DecOps(raw.q, 1)
    ct_rule = pack.need(mod.CT_KEY, qi.date) if mod.CT_KEY else None
    f = prepare(x, raw, pack, qi.country, qi.date, mod.TAX_KEY, mod.THRESHOLD_CCY, ct_rule, want_tariff=True)
    out = mod.kernel(x, f)
    _missing(f, out)
    return f, out


def run(qi: QuoteInput) -> dict[str, Any]:
    f, out = compute(qi)
    return answer(qi, f, out)


def answer(qi: QuoteInput, f: Frame, out: KernelOut) -> dict[str, Any]:
    """The response: charges rounded from the kernel's unrounded columns, totals, explanation."""
    if f.pack.rounding == "consignment":
        x = DecOps(f.raw.q, 1)
        cols = [consolidate(x, f, c) for c in out.charges]
    else:
        cols = out.charges
    quantum = _QUANTUM[f.minor] if f.minor in _QUANTUM else Decimal(1).scaleb(-f.minor)
    zero = Decimal(0).quantize(quantum)
    tot = {"duty": zero, "tax": zero, "fees": zero, "at_checkout": zero, "at_border": zero}
    # A value just quantized to the minor unit has exponent -minor, which str() writes in exponent
    # notation only beyond 6 places: then str is _s, without the call. (Sums can round: _s.)
    fmt = str if f.minor <= 6 else _s
    rows = []
    for order, col in enumerate(cols):
        applies = np.asarray(col.applies, dtype=bool).tolist()
        if True not in applies:
            continue
        checkout = np.asarray(col.checkout, dtype=bool).tolist()
        override = col.override.tolist() if col.override is not None and col.level == "line" else None
        ref, per_line, kind_key = col.rule.ref(), col.level == "line", "fees" if col.kind == "fee" else col.kind
        amounts, bases = col.amount.tolist(), col.base.tolist()
        rates = col.rate.tolist() if col.rate is not None else None
        for i, hit in enumerate(applies):
            if not hit:
                continue
            amt = amounts[i].quantize(quantum, ROUND_HALF_UP)
            c = {"kind": col.kind, "name": col.name, "line": i + 1 if per_line else None,
                 "base": fmt(bases[i].quantize(quantum, ROUND_HALF_UP)),
                 "rate": _rate(rates[i]) if rates is not None else None,
                 "amount": fmt(amt), "collected_at": "checkout" if checkout[i] else "border", "rule": ref}
            if override is not None and override[i]:
                c["rate_source"] = "given on the line"
            tot[kind_key] += amt
            tot["at_checkout" if checkout[i] else "at_border"] += amt
            rows.append((i + 1 if per_line else 10**6, KIND_ORDER[col.kind], order, c))
    rows.sort(key=_ROW_ORDER)
    charges = [r[3] for r in rows]
    r3 = [v.quantize(quantum, ROUND_HALF_UP) for v in (out.threshold[0], out.customs[0], out.tax_base[0])]
    paid = tot["at_checkout"] + tot["at_border"]
    where = "checkout" if tot["at_border"] == 0 else "border"
    duty_lines = const(False, f.n)  # read-only: combined into new arrays, never in place
    for col in out.charges:
        if col.kind == "duty" and col.rate is not None and col.level == "line":
            a = np.asarray(col.applies, dtype=bool)
            if any_(a):
                duty_lines = duty_lines | a
    sentences = explain.opening(f, qi) + out.explanation + explain.overrides(f, duty_lines)
    if not charges or paid == 0:
        sentences.append("Nothing is due: no duty, tax or fee applies to this consignment.")
    else:
        sentences.append(f"In total {f.dest_ccy} {_s(paid)} is due: {_s(tot['at_checkout'])} collected at checkout "
                         f"and {_s(tot['at_border'])} at the border.")
    sentences += explain.closing(f)
    code = str(out.regime[0])
    return {
        "destination": qi.country,
        "currency": f.dest_ccy,
        "date": qi.date.isoformat(),
        "regime": {"code": code, "name": f"{f.pack.name}: {_REGIME_NAMES.get(code, '')}",
                   "low_value": bool(out.low_value[0]), "collection": where},
        "values": {"threshold": fmt(r3[0]), "customs": fmt(r3[1]), "tax_base": fmt(r3[2])},
        "charges": charges,
        "totals": {k: _s(v) for k, v in tot.items()},
        "fx": [r.as_dict() for r in f.fx_used],
        "explanation": sentences,
    }


def quote(data: Any) -> dict[str, Any]:
    """JSON-shaped request -> JSON-shaped answer; ValidationFailed for bad input."""
    return run(parse(data))


_REGIME_NAMES = {
    "EU-IOSS": "low-value consignment, VAT charged at sale under IOSS",
    "EU-LVC": "low-value consignment, import VAT at the border",
    "EU-IMPORT": "standard import: duty and import VAT",
    "GB-LVC": "consignment up to GBP 135: UK supply VAT at sale",
    "GB-IMPORT": "standard import: duty and import VAT",
    "US-DEMINIMIS": "de minimis entry, duty-free",
    "US-ENTRY": "dutiable entry",
    "AU-LVIG": "low value imported goods: GST at sale",
    "AU-LVIG-UNREG": "low value imported goods, seller not registered: nothing collected",
    "AU-IMPORT": "import above AUD 1,000: duty and GST at the border",
    "NZ-LVIG": "low-value imported goods: GST at sale",
    "NZ-EXEMPT": "low-value consignment, seller not registered: nothing collected",
    "NZ-IMPORT": "import: duty and GST at the border",
    "CA-FREE": "low-value shipment, free of duty and taxes",
    "CA-TAX-ONLY": "CUSMA courier shipment: taxes only",
    "CA-IMPORT": "duty and GST/HST",
    "SG-LVG": "low-value goods: GST at sale (OVR)",
    "SG-RELIEF": "import GST relief up to SGD 400",
    "SG-IMPORT": "import GST at the border",
    "MY-LVG": "low value goods: sales tax at sale",
    "MY-DEMINIMIS": "border de minimis up to RM 500",
    "MY-IMPORT": "import duty and sales tax at the border",
    "CN-CBEC": "cross-border e-commerce retail import (70% of VAT and consumption tax, duty 0)",
    "CN-CBEC-FULL": "cross-border e-commerce, single indivisible item over RMB 5,000: full general-trade taxes",
    "CN-GENERAL": "general trade: duty, consumption tax and import VAT",
    "JP-EXEMPT": "small-value exemption up to JPY 10,000",
    "JP-IMPORT": "duty and consumption tax at import",
    "NO-VOEC": "VOEC: VAT at sale",
    "NO-IMPORT": "import: duty and VAT at the border",
    "CH-SELLER-VAT": "Swiss VAT charged by the registered seller",
    "CH-SMALL": "import VAT under CHF 5 not collected",
    "CH-IMPORT": "import VAT at the border",
}
