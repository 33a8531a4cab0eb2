"""Sentences every quote shares: the rule pack, exchange rates, overrides, rounding; and refusals."""

from __future__ import annotations

from datetime import date

import numpy as np

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine.kernel import pct
from ewtp.rules.engine.rounding import statement


def opening(f, qi) -> list[str]:
    out = [f"Rules of the {f.pack.name} pack in force on {f.on.isoformat()} apply to goods shipped from "
           f"{qi.ship_from} to {qi.country}{' (' + qi.subdivision + ')' if qi.subdivision else ''} by {qi.mode}, "
           f"{qi.incoterm}."]
    for r in f.fx_used:
        when = "" if r.on == f.on else f" (the last rate published before {f.on.isoformat()})"
        if r.source == "ECB" and (f.on - r.on).days > 7:
            when += (f"; this hub's copy of the ECB rates ends on {r.on.isoformat()}, so give the rate in the "
                     f"request to use a current one")
        src = "ECB reference rate" if r.source == "ECB" else "rate given in the request"
        out.append(f"Amounts in {r.base} are converted to {r.quote} at {r.rate}, the {src} of "
                   f"{r.on.isoformat()}{when}.")
    if qi.prices_include_tax:
        out.append("Prices include the destination's tax: it is taken out of each line at the line's rate "
                   "before anything else is computed.")
    return out


def overrides(f, duty_lines: np.ndarray) -> list[str]:
    """Where each ad valorem duty rate came from (lines that pay it), and every rate given on a line."""
    out = []
    raw = f.raw
    for i in range(f.n):
        given = [(n, v) for n, has, v in (("duty", raw.duty_has[i], raw.duty_over[i]),
                                          ("VAT/GST", raw.vat_has[i], raw.vat_over[i]),
                                          ("excise/consumption tax", raw.exc_has[i], raw.exc_over[i])) if has]
        for name, v in given:
            out.append(f"Line {i + 1}: the {name} rate {pct(v)} given on the line (binding ruling or the operator's "
                       f"classification) overrides the rule pack.")
        t = f.tariff[i] if f.tariff else None
        if t is not None and not raw.duty_has[i] and duty_lines[i]:
            out.append(f"Line {i + 1}: HS {raw.hs[i]} duty rate {pct(f.dr[i])} from {t.source}"
                       f"{' (' + t.note + ')' if t.note else ''}.")
    return out


def closing(f) -> list[str]:
    return [statement(f.pack)]


def refuse_restricted(pack, on: date, hs: list[str], origins: list[str]) -> None:
    """A prohibited or restricted good for this destination: refuse, naming the rule."""
    for r in pack.restrictions_at(on):
        for i, (code, origin) in enumerate(zip(hs, origins, strict=True)):
            hit_hs = any(code.startswith(p) for p in r.params.get("hs", [])) if r.params.get("hs") else None
            hit_origin = origin in r.params.get("origins", []) if r.params.get("origins") else None
            if (hit_hs is None or hit_hs) and (hit_origin is None or hit_origin) and (
                    hit_hs is not None or hit_origin is not None):
                field = f"lines.{i}.hs_code" if hit_hs else f"lines.{i}.origin"
                reason = f"refused: {r.title} (rule {r.id} version {r.version}; {r.source})"
                raise ValidationFailed(f"{field}: {reason}", code="restricted_goods", fields={field: [reason]})


def restricted_mask(pack, on: date, hs: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """Vectorised: lines that would be refused (`hs` as integers)."""
    bad = np.zeros(len(hs), dtype=bool)
    for r in pack.restrictions_at(on):
        m = np.ones(len(hs), dtype=bool)
        if r.params.get("hs"):
            mh = np.zeros(len(hs), dtype=bool)
            for p in r.params["hs"]:
                mh |= (hs // 10 ** (6 - len(p))) == int(p)
            m &= mh
        if r.params.get("origins"):
            m &= np.isin(origins, r.params["origins"])
        bad |= m
    return bad
