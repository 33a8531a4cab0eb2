"""`quote_batch`: many quotes at once, over NumPy columns, with the same kernels as `quote`.

Input is columnar (`Baskets`): one row per quote and one row per line, amounts as float64 (a
float holds a 2-decimal amount's shortest repr exactly, which is what the scalar engine is fed
when a quote falls back). Quotes are grouped by destination and date, so every rule in a group is
a constant; each group runs its kernel once with FloatOps. Answers are the totals per quote in
integer minor units. A quote goes through the exact scalar engine instead when float arithmetic
cannot settle it (a value within a hair of a rounding tie or a threshold), when it would be an
error (for the message), or when its group cannot be prepared. So batch equals scalar, to the cent.
Given FX rates are not supported here: ECB rates only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from ewtp.core.errors import AppError
from ewtp.rules.engine import explain
from ewtp.rules.engine.context import pack_for
from ewtp.rules.engine.frame import Raw, digits_to_int, letters_to_int, prepare
from ewtp.rules.engine.inputs import REGISTRATIONS, parse
from ewtp.rules.engine.ops import FloatOps
from ewtp.rules.engine.quote import compute, run
from ewtp.rules.engine.regimes import regime
from ewtp.rules.engine.rounding import consolidate

BIT = {r: 1 << i for i, r in enumerate(REGISTRATIONS)}


@dataclass
class Baskets:
    # one row per quote
    date: np.ndarray  # datetime64[D]
    country: np.ndarray  # U2
    subdivision: np.ndarray  # U6 ("" when none)
    ship_from: np.ndarray
    mode: np.ndarray
    incoterm: np.ndarray
    currency: np.ndarray
    prices_include_tax: np.ndarray  # bool
    shipping: np.ndarray  # float64
    insurance: np.ndarray
    registrations: np.ndarray  # int64 bit mask over inputs.REGISTRATIONS
    cbec_used: np.ndarray
    # one row per line
    line_quote: np.ndarray  # int64 index of the line's quote
    hs: np.ndarray  # U6
    origin: np.ndarray  # U2
    quantity: np.ndarray  # int64
    unit_price: np.ndarray  # float64
    duty_rate: np.ndarray  # float64, NaN = not given
    vat_rate: np.ndarray
    excise_rate: np.ndarray

    @property
    def nq(self) -> int:
        return len(self.date)

    def request(self, i: int) -> dict:
        """Quote i as the JSON request the scalar engine takes."""
        lines = []
        for j in np.nonzero(self.line_quote == i)[0]:
            ln = {"hs_code": str(self.hs[j]), "origin": str(self.origin[j]), "quantity": int(self.quantity[j]),
                  "unit_price": _dec(self.unit_price[j])}
            for k in ("duty_rate", "vat_rate", "excise_rate"):
                v = getattr(self, k)[j]
                ln[k] = None if np.isnan(v) else _dec(v)
            lines.append(ln)
        mask = int(self.registrations[i])
        return {"date": str(self.date[i]), "destination": {"country": str(self.country[i]),
                                                           "subdivision": str(self.subdivision[i])},
                "ship_from": str(self.ship_from[i]), "mode": str(self.mode[i]), "incoterm": str(self.incoterm[i]),
                "currency": str(self.currency[i]), "prices_include_tax": bool(self.prices_include_tax[i]),
                "shipping": _dec(self.shipping[i]), "insurance": _dec(self.insurance[i]),
                "seller": {"registrations": [r for r in REGISTRATIONS if mask & BIT[r]]},
                "buyer": {"cbec_used_this_year": _dec(self.cbec_used[i])}, "lines": lines}

    @classmethod
    def from_requests(cls, reqs: list[dict]) -> Baskets:
        lines = [(i, ln) for i, r in enumerate(reqs) for ln in r["lines"]]

        def opt(v):
            return np.nan if v is None else float(v)

        return cls(
            np.array([r["date"] for r in reqs], dtype="datetime64[D]"),
            np.array([r["destination"]["country"] for r in reqs], dtype="U2"),
            np.array([r["destination"].get("subdivision", "") for r in reqs], dtype="U6"),
            np.array([r["ship_from"] for r in reqs], dtype="U2"), np.array([r["mode"] for r in reqs], dtype="U8"),
            np.array([r["incoterm"] for r in reqs], dtype="U3"), np.array([r["currency"] for r in reqs], dtype="U3"),
            np.array([r.get("prices_include_tax", False) for r in reqs], dtype=bool),
            np.array([float(r.get("shipping", "0")) for r in reqs]), np.array([float(r.get("insurance", "0")) for r in reqs]),
            np.array([sum(BIT[g] for g in r.get("seller", {}).get("registrations", [])) for r in reqs], dtype=np.int64),
            np.array([float(r.get("buyer", {}).get("cbec_used_this_year", "0")) for r in reqs]),
            np.array([i for i, _ in lines], dtype=np.int64), np.array([ln["hs_code"] for _, ln in lines], dtype="U6"),
            np.array([ln["origin"] for _, ln in lines], dtype="U2"),
            np.array([ln["quantity"] for _, ln in lines], dtype=np.int64),
            np.array([float(ln["unit_price"]) for _, ln in lines]),
            np.array([opt(ln.get("duty_rate")) for _, ln in lines]), np.array([opt(ln.get("vat_rate")) for _, ln in lines]),
            np.array([opt(ln.get("excise_rate")) for _, ln in lines]),
        )


def _dec(v: float) -> str:
    return repr(float(v))


@dataclass
class BatchResult:
    currency: np.ndarray
    duty: np.ndarray  # int64 minor units
    tax: np.ndarray
    fees: np.ndarray
    at_checkout: np.ndarray
    at_border: np.ndarray
    error: np.ndarray  # object: None or the scalar engine's message
    exact: np.ndarray  # bool: settled by the scalar engine

    def totals(self, i: int) -> dict[str, int]:
        return {k: int(getattr(self, k)[i]) for k in ("duty", "tax", "fees", "at_checkout", "at_border")}


def quote_batch(b: Baskets) -> BatchResult:
    nq = b.nq
    res = BatchResult(np.empty(nq, dtype="U3"), *(np.zeros(nq, dtype=np.int64) for _ in range(5)),
                      np.full(nq, None, dtype=object), np.zeros(nq, dtype=bool))
    days = b.date.astype("datetime64[D]").astype(np.int64)
    ckey = letters_to_int(b.country)
    ukeys, gid = np.unique(ckey * 1_000_000 + (days - days.min()), return_inverse=True)
    hs_int, origin_int = digits_to_int(b.hs), letters_to_int(b.origin)
    # small group ids sort by radix (int16), in linear time
    gtype = np.int16 if len(ukeys) < 32000 else np.int64
    line_gid = gid[b.line_quote].astype(gtype)
    order = np.argsort(line_gid, kind="stable")
    bounds = np.searchsorted(line_gid[order], np.arange(len(ukeys) + 1))
    qorder = np.argsort(gid.astype(gtype), kind="stable")
    qbounds = np.searchsorted(gid[qorder], np.arange(len(ukeys) + 1))
    local = np.empty(nq, dtype=np.int64)  # a quote's position within its group
    local[qorder] = np.arange(nq) - qbounds[gid[qorder]]
    ddp = b.incoterm == "DDP"
    fallback = np.zeros(nq, dtype=bool)
    for g in range(len(ukeys)):
        qidx = qorder[qbounds[g]:qbounds[g + 1]]
        lidx = order[bounds[g]:bounds[g + 1]]
        i0 = int(qidx[0])
        try:
            _group(b, res, fallback, str(b.country[i0]), date.fromisoformat(str(b.date[i0])), qidx, lidx,
                   hs_int[lidx], origin_int[lidx], local, ddp)
        except (AppError, KeyError, ValueError, ZeroDivisionError):
            fallback[qidx] = True
    for i in np.nonzero(fallback)[0]:
        _exact(b, res, int(i))
    return res


def _group(b: Baskets, res: BatchResult, fallback: np.ndarray, country: str, on: date, qidx: np.ndarray,
           lidx: np.ndarray, hs_int: np.ndarray, origin_int: np.ndarray, local: np.ndarray, ddp: np.ndarray) -> None:
    pack = pack_for(country, on)
    mod = regime(pack.regime)
    q = local[b.line_quote[lidx]]
    nq = len(qidx)
    regs = {r: (b.registrations[qidx] & BIT[r]) != 0 for r in REGISTRATIONS}
    raw = Raw(b.currency[qidx], b.shipping[qidx], b.insurance[qidx], b.ship_from[qidx], b.mode[qidx],
              ddp[qidx], b.prices_include_tax[qidx], b.subdivision[qidx], regs, b.cbec_used[qidx],
              q, b.hs[lidx], b.origin[lidx], b.quantity[lidx].astype(float), b.unit_price[lidx],
              np.nan_to_num(b.duty_rate[lidx]), ~np.isnan(b.duty_rate[lidx]),
              np.nan_to_num(b.vat_rate[lidx]), ~np.isnan(b.vat_rate[lidx]),
              np.nan_to_num(b.excise_rate[lidx]), ~np.isnan(b.excise_rate[lidx]), hs_int=hs_int, origin_int=origin_int)
    x = FloatOps(q, nq)
    ct_rule = pack.need(mod.CT_KEY, on) if mod.CT_KEY else None
    f = prepare(x, raw, pack, country, on, mod.TAX_KEY, mod.THRESHOLD_CCY, ct_rule)
    out = mod.kernel(x, f)
    bad = explain.restricted_mask(pack, on, hs_int, raw.origin) | out.missing_duty
    bad |= (b.quantity[lidx] <= 0) | ~(b.unit_price[lidx] > 0)
    cols = [consolidate(x, f, c) for c in out.charges] if pack.rounding == "consignment" else out.charges
    # rounded charges, added up per line by kind and by where collected, then per quote
    acc = {k: (np.zeros(f.n, dtype=np.int64), np.zeros(nq, dtype=np.int64))
           for k in ("duty", "tax", "fees", "at_checkout")}
    for col in cols:
        applies = np.asarray(col.applies, dtype=bool)
        amt = np.where(applies, x.rounded(np.where(applies, col.amount, 0.0), f.minor, per_line=col.level == "line"), 0)
        slot = 0 if col.level == "line" else 1
        acc["fees" if col.kind == "fee" else col.kind][slot][:] += amt
        acc["at_checkout"][slot][:] += np.where(np.asarray(col.checkout, dtype=bool), amt, 0)
    sums = {k: np.bincount(q, weights=per_line, minlength=nq).astype(np.int64) + per_quote
            for k, (per_line, per_quote) in acc.items()}
    sums["at_border"] = sums["duty"] + sums["tax"] + sums["fees"] - sums["at_checkout"]
    for k, v in sums.items():
        getattr(res, k)[qidx] = v
    res.currency[qidx] = f.dest_ccy
    lines_bad = np.bincount(q, weights=bad.astype(float), minlength=nq) > 0
    fallback[qidx[x.ambiguous | lines_bad]] = True


def _exact(b: Baskets, res: BatchResult, i: int) -> None:
    res.exact[i] = True
    try:
        qi = parse(b.request(i))
        out = run(qi)
    except AppError as exc:
        res.error[i] = exc.message
        return
    minor = -Decimal(out["totals"]["duty"]).as_tuple().exponent  # quantized to the minor unit already
    res.currency[i] = out["currency"]
    for k in ("duty", "tax", "fees", "at_checkout", "at_border"):
        getattr(res, k)[i] = int(Decimal(out["totals"][k]).scaleb(minor))


__all__ = ["Baskets", "BatchResult", "quote_batch", "compute"]
