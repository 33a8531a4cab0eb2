"""What a regime kernel returns, and the arithmetic the regimes share.

A kernel decides, per quote and per line, which path the goods take (exempt, taxed at sale,
taxed at the border) and produces charge columns: unrounded amounts per line (or per quote for
fees) with the rule that imposes them. Rules are the same for a whole group (one destination,
one date), so a column carries one rule; `applies` says where it bites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ewtp.rules.engine.ops import SMALL, all_, any_, const
from ewtp.rules.packs import Rule


@dataclass
class ChargeCol:
    kind: str  # duty | tax | fee
    name: str
    rule: Rule
    amount: np.ndarray
    base: np.ndarray
    rate: np.ndarray | None  # None: a fixed amount
    applies: np.ndarray  # bool
    checkout: np.ndarray  # bool
    level: str = "line"  # or "quote"
    override: np.ndarray | None = None  # bool per line: the rate was given on the line


@dataclass
class KernelOut:
    charges: list[ChargeCol]
    threshold: np.ndarray
    customs: np.ndarray
    tax_base: np.ndarray
    regime: np.ndarray  # code per quote
    low_value: np.ndarray
    missing_duty: np.ndarray  # per line: duty due but no rate known
    explanation: list[str] = field(default_factory=list)  # scalar engine only


def line_mask(f, qmask: np.ndarray) -> np.ndarray:
    if f.nq == 1:
        return const(bool(qmask[0]), f.n)
    return np.asarray(qmask, dtype=bool)[f.raw.q]


def any_per_quote(f, lmask: np.ndarray) -> np.ndarray:
    if f.nq == 1:
        return const(any_(np.asarray(lmask, dtype=bool)))
    return np.bincount(f.raw.q, weights=np.asarray(lmask, dtype=float), minlength=f.nq) > 0


def prefixed(f, prefixes: list[str]) -> np.ndarray:
    """Lines whose HS code starts with one of the prefixes (chapters, headings or subheadings)."""
    out = np.zeros(f.n, dtype=bool)
    if f.raw.hs_int is not None:
        for p in prefixes:
            out |= (f.raw.hs_int // 10 ** (6 - len(p))) == int(p)
        return out
    s = f.raw.hs.astype(str)
    for p in prefixes:
        out |= np.char.startswith(s, p)
    return out


def choose(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.where(mask, a, b) for columns of one length; a quote's masks are mostly uniform, and then
    the answer is a or b itself (an object-array where costs more than the quote's arithmetic)."""
    if len(mask) <= SMALL:
        m = np.asarray(mask, dtype=bool).tolist()
        if False not in m:
            return a
        if True not in m:
            return b
    return np.where(mask, a, b)


def label(mask: np.ndarray, yes, no) -> np.ndarray:
    """np.where(mask, yes, no) for the regime code per quote; for one quote, the chosen code as a
    shared read-only array, without NumPy's string-array work (the engine reads it back as str)."""
    if len(mask) == 1:
        pick = yes if mask[0] else no
        return pick if isinstance(pick, np.ndarray) else const(pick)
    return np.where(mask, yes, no)


def masked(x, mask: np.ndarray, a: np.ndarray) -> np.ndarray:
    if all_(mask):
        return a
    if not any_(mask):
        return x.full(len(mask), 0)
    return np.where(mask, a, x.full(len(mask), 0))


_QUANTA = {m: Decimal(1).scaleb(-m) for m in range(5)}


def money(f, amount) -> str:
    """Display form for explanations (the currency may be a withdrawn one, so not via Money)."""
    quantum = _QUANTA.get(f.minor) or Decimal(1).scaleb(-f.minor)
    q = (amount if amount.__class__ is Decimal else Decimal(amount)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{f.dest_ccy} {q:,f}"


_PCT: dict = {}


def pct(rate) -> str:
    """A rate as a percentage (remembered by value: a pack has few rates, and equal values such as
    0.1 and 0.10 print alike once normalised)."""
    t = _PCT.get(rate)
    if t is None:
        t = f"{(Decimal(rate) * 100).normalize():f}%"
        if len(_PCT) >= 4096:
            _PCT.clear()
        _PCT[rate] = t
    return t


@dataclass
class Border:
    """Duty and import tax at the border (or prepaid under DDP) for the lines in `mask`."""

    cv: np.ndarray
    duty: np.ndarray
    excise: np.ndarray
    tb: np.ndarray
    tax: np.ndarray


def border(x, f, mask: np.ndarray, cif: bool, extra_duty: np.ndarray | None = None) -> Border:
    """cv = goods (+ shipping and insurance when CIF); duty = cv x rate; excise on cv + duty;
    tax on cv + duty + excise (+ shipping and insurance when the customs value excluded them)."""
    if not any_(mask):  # nothing at the border (a low-value quote): every column is masked to zero
        z = x.full(f.n, 0)
        return Border(z, z, z, z, z)
    cv = f.g + f.s if cif else f.g
    duty = masked(x, mask, cv * f.dr)
    if extra_duty is not None:
        duty = duty + masked(x, mask, extra_duty)
    excise = masked(x, mask & f.excise, (cv + duty) * f.cr) if f.any_excise else x.full(f.n, 0)
    tb = cv + duty + excise + (x.full(f.n, 0) if cif else f.s)
    tax = masked(x, mask, tb * f.vr)
    return Border(masked(x, mask, cv), duty, excise, masked(x, mask, tb), tax)


def std_charges(x, f, b: Border, mask: np.ndarray, checkout: np.ndarray, duty_rule: Rule, tax_rule: Rule,
                tax_name: str, duty_name: str = "Customs duty") -> list[ChargeCol]:
    over_d = f.raw.duty_has
    cols = [ChargeCol("duty", duty_name, duty_rule, b.duty, b.cv, f.dr, mask, checkout, override=over_d)]
    if f.any_excise:
        cols.append(ChargeCol("tax", "Excise", tax_rule, b.excise, b.cv + b.duty, f.cr,
                              mask & f.excise, checkout, override=f.raw.exc_has))
    cols.append(ChargeCol("tax", tax_name, tax_rule, b.tax, b.tb, f.vr, mask, checkout, override=f.raw.vat_has))
    return cols


def ddp_lines(f) -> np.ndarray:
    return line_mask(f, f.raw.ddp)
