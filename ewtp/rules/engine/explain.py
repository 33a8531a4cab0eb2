"""Sentences every quote shares: the rule pack, exchange rates, overrides, rounding; and refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine.kernel import pct
from ewtp.rules.engine.rounding import statement


def opening(f, qi) -> list[str]:
    on = f.on.isoformat()
    out = [f"Rules of the {f.pack.name} pack in force on {on} apply to goods shipped from "
           f"{qi.ship_from} to {qi.country}{' (' + qi.subdivision + ')' if qi.subdivision else ''} by {qi.mode}, "
           f"{qi.incoterm}."]
    for r in f.fx_used:
        when = "" if r.on == f.on else f" (the last rate published before {on})"
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
    has = (raw.duty_has.tolist(), raw.vat_has.tolist(), raw.exc_has.tolist())
    given_any = [True in h for h in has]
    paying = duty_lines.tolist()
    if True not in given_any and True not in paying:  # the usual quote: nothing to say
        return out
    for i in range(f.n):
        for name, h, v, any_given in (("duty", has[0], raw.duty_over, given_any[0]),
                                      ("VAT/GST", has[1], raw.vat_over, given_any[1]),
                                      ("excise/consumption tax", has[2], raw.exc_over, given_any[2])):
            if any_given and h[i]:
                out.append(f"Line {i + 1}: the {name} rate {pct(v[i])} given on the line (binding ruling or the "
                           f"operator's classification) overrides the rule pack.")
        t = f.tariff[i] if f.tariff else None
        if t is not None and not has[0][i] and paying[i]:
            out.append(f"Line {i + 1}: HS {raw.hs[i]} duty rate {pct(f.dr[i])} from {t.source}"
                       f"{' (' + t.note + ')' if t.note else ''}.")
    return out


def closing(f) -> list[str]:
    k = ("closing",)
    said = f.pack.memo.get(k)
    if said is None:  # the same sentence for every quote of the pack
        said = f.pack.remember(k, statement(f.pack))
    return [said]


def refuse_restricted(pack, on: date, hs: Sequence[str], origins: Sequence[str]) -> None:
    """A prohibited or restricted good for this destination: refuse, naming the rule."""
    tests = pack.memo.get(("restriction tests", on))
    if tests is None:  # (rule, HS prefixes, origins) per restriction in force, once per pack and date
        tests = pack.remember(("restriction tests", on), tuple(
            (r, tuple(r.params.get("hs") or ()), frozenset(r.params.get("origins") or ()))
            for r in pack.restrictions_at(on)))
    for r, prefixes, banned in tests:
        for i, (code, origin) in enumerate(zip(hs, origins, strict=True)):
            hit_hs = code.startswith(prefixes) if prefixes else None
            hit_origin = origin in banned if banned else None
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
