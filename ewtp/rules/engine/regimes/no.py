"""NO: VOEC — goods under NOK 3,000 per item (without shipping and insurance), sold by a
VOEC-registered seller: VAT at sale on the price including shipping, no duty. Otherwise duty on
CIF and VAT on CIF + duty at the border. Foodstuffs and excise goods are outside VOEC."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import (
    ChargeCol,
    KernelOut,
    border,
    ddp_lines,
    label,
    line_mask,
    pct,
    prefixed,
    std_charges,
)

TAX_KEY = "vat"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    voec = p.need("voec", on)
    reg = np.asarray(f.raw.regs[voec.params["registration"]], dtype=bool)
    excluded = prefixed(f, voec.params["excluded_hs"]) | f.excise
    item_low = x.lt(f.unit, x.c(voec.params["threshold"]), per_line=True) & ~excluded
    sale = item_low & line_mask(f, reg)
    at_border = ~sale
    vat = p.need("vat", on)
    b = border(x, f, at_border, cif=True)
    cols = std_charges(x, f, b, at_border, ddp_lines(f), p.need("duty", on), vat, "Import VAT")
    sale_base = f.g + f.s
    cols.append(ChargeCol("tax", "VAT (VOEC)", voec, sale_base * f.vr, sale_base, f.vr, sale, sale,
                          override=f.raw.vat_has))
    say = []
    if x.exact:
        if sale.any():
            say.append(f"Items under NOK {voec.params['threshold']} each from a VOEC-registered seller: VAT at "
                       f"{pct(f.vr[np.nonzero(sale)[0][0]])} is charged at checkout on the price including shipping, "
                       f"no duty (rule {voec.id}).")
        elif not reg[0]:
            say.append("The seller declares no NO-VOEC registration: VAT and duty are due at import.")
        if at_border.any():
            say.append(f"Duty on the CIF value and import VAT on CIF + duty (rule {vat.id}).")
    any_border = np.bincount(f.raw.q, weights=at_border.astype(float), minlength=f.nq) > 0
    tb = np.where(sale, sale_base, b.tb)
    return KernelOut(cols, x.qsum(f.g), x.qsum(f.g + f.s), x.qsum(tb),
                     label(any_border, "NO-IMPORT", "NO-VOEC"), ~any_border, at_border & ~f.dr_known, say)
