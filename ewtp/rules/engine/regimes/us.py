"""US: duty on the transaction value (no freight or insurance); de minimis USD 800 until
2025-08-28 (not for CN/HK origin from 2025-05-02), none from 2025-08-29; dated surcharges; MPF."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import (
    ChargeCol,
    KernelOut,
    any_per_quote,
    border,
    ddp_lines,
    label,
    line_mask,
    masked,
    money,
    pct,
)

TAX_KEY = None
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    dm = p.need("deminimis", on)
    value = x.qsum(f.g)
    if dm.params.get("suspended"):
        exempt_q = np.zeros(f.nq, dtype=bool)
    else:
        exempt_q = x.le(value, x.c(dm.params["threshold"]))
    by_origin = p.at("deminimis_origin", on)
    origin_hit = np.isin(f.raw.origin, by_origin.params["origins"]) if by_origin else np.zeros(f.n, dtype=bool)
    dutiable = ~line_mask(f, exempt_q) | origin_hit
    entry_q = any_per_quote(f, dutiable)
    checkout_l = ddp_lines(f)
    duty_rule = p.need("duty", on)
    b = border(x, f, dutiable, cif=False)
    cols = [ChargeCol("duty", "Customs duty", duty_rule, b.duty, b.cv, f.dr, dutiable, checkout_l,
                      override=f.raw.duty_has)]
    sur = p.at("surcharge", on)
    if sur is not None:
        r = x.c(sur.params["rate"])
        cols.append(ChargeCol("duty", "Section 122 surcharge", sur, masked(x, dutiable, f.g * r), f.g,
                              x.full(f.n, r), dutiable, checkout_l))
    mpf = p.at("mpf", on)
    if mpf is not None:
        informal = x.le(value, x.c(mpf.params["informal_max"]))
        formal = np.minimum(np.maximum(value * x.c(mpf.params["formal_rate"]), x.c(mpf.params["formal_min"])),
                            x.c(mpf.params["formal_max"]))
        fee = np.where(informal, x.full(f.nq, mpf.params["informal_fee"]), formal)
        rate = np.where(informal, x.full(f.nq, 0), x.full(f.nq, mpf.params["formal_rate"]))
        cols.append(ChargeCol("fee", "Merchandise processing fee", mpf, fee, value, None if x.exact and informal[0]
                              else rate, entry_q, np.asarray(f.raw.ddp, dtype=bool), level="quote"))
    say = []
    if x.exact:
        if dm.params.get("suspended"):
            say.append(f"No de minimis: every shipment pays duty from 2025-08-29 (rule {dm.id}).")
        elif exempt_q[0] and not origin_hit.any():
            say.append(f"The shipment's value {money(f, value[0])} is within the USD {dm.params['threshold']} "
                       f"de minimis: no duty (rule {dm.id}).")
        else:
            if origin_hit.any():
                say.append(f"Goods of {', '.join(by_origin.params['origins'])} origin no longer qualify for de minimis "
                           f"(rule {by_origin.id}).")
            if not exempt_q[0]:
                say.append(f"The shipment's value {money(f, value[0])} exceeds the USD {dm.params['threshold']} "
                           f"de minimis (rule {dm.id}).")
        if entry_q[0]:
            say.append(f"Duty at the HTSUS general rate on the transaction value, without freight or insurance "
                       f"(rule {duty_rule.id}); state sales taxes are not collected at the border.")
            if sur is not None:
                say.append(f"A {pct(sur.params['rate'])} surcharge applies on the same value (rule {sur.id}).")
            if mpf is not None:
                say.append(f"A merchandise processing fee is due per entry (rule {mpf.id}).")
    return KernelOut(cols, value, value, x.full(f.nq, 0), label(entry_q, "US-ENTRY", "US-DEMINIMIS"),
                     ~entry_q, dutiable & ~f.dr_known, say)
