"""Rounding of charges: each charge is rounded half-up to the destination currency's minor unit
from its unrounded amount (no official rounding rule was found for any jurisdiction). Packs with
`rounding = "consignment"` first add a column's line amounts per quote, then round once."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import ChargeCol


def consolidate(x, f, col: ChargeCol) -> ChargeCol:
    """Line column -> one amount per quote (for consignment-level rounding)."""
    if col.level == "quote":
        return col
    w = np.asarray(col.applies, dtype=bool)
    zero = x.full(f.n, 0)
    amount = x.qsum(np.where(w, col.amount, zero))
    base = x.qsum(np.where(w, col.base, zero))
    applies = np.bincount(f.raw.q, weights=w.astype(float), minlength=f.nq) > 0
    checkout = np.bincount(f.raw.q, weights=(w & col.checkout).astype(float), minlength=f.nq) > 0
    rate = None
    if col.rate is not None and f.nq == 1 and x.exact:
        rates = {r for r, a in zip(col.rate, w, strict=True) if a}
        rate = np.array([rates.pop()], dtype=object) if len(rates) == 1 else None
    return ChargeCol(col.kind, col.name, col.rule, amount, base, rate, applies, checkout, "quote", None)


def statement(pack) -> str:
    level = "per consignment" if pack.rounding == "consignment" else "per charge and line"
    return (f"Each amount is rounded half-up to the currency's minor unit {level}, from unrounded intermediate "
            f"values (no official rounding rule is known for {pack.code}).")
