"""CH: a registered foreign seller (mail-order rule) charges Swiss VAT at checkout; otherwise
import VAT on goods + shipping + duty at the border, not collected when under CHF 5 for the
consignment. Industrial goods are duty-free from 2024-01-01."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import ChargeCol, KernelOut, ddp_lines, label, line_mask, masked, money, pct

TAX_KEY = "vat"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    seller, small, vat_rule = p.need("seller_vat", on), p.need("small_amount", on), p.need("vat", on)
    reg = np.asarray(f.raw.regs[seller.params["registration"]], dtype=bool)
    cv = f.g + f.s
    duty = cv * f.dr
    excise = masked(x, f.excise, (cv + duty) * f.cr)
    tb = cv + duty + excise
    vat = tb * f.vr
    vat_q = x.qsum(vat)
    small_q = x.lt(vat_q, x.c(small.params["min_tax"])) & ~reg
    due = ~line_mask(f, small_q)
    checkout = line_mask(f, reg) | ddp_lines(f)
    duty_rule = p.need("duty", on)
    cols = [ChargeCol("duty", "Customs duty", duty_rule, duty, cv, f.dr, np.ones(f.n, dtype=bool), checkout,
                      override=f.raw.duty_has)]
    if f.any_excise:
        cols.append(ChargeCol("tax", "Excise", vat_rule, excise, cv + duty, f.cr, f.excise, checkout))
    cols.append(ChargeCol("tax", "Swiss VAT (seller)", seller, vat, tb, f.vr, line_mask(f, reg), checkout,
                          override=f.raw.vat_has))
    cols.append(ChargeCol("tax", "Import VAT", vat_rule, vat, tb, f.vr, due & ~line_mask(f, reg), checkout,
                          override=f.raw.vat_has))
    say = []
    if x.exact:
        if reg[0]:
            say.append(f"The seller is registered for Swiss VAT (rule {seller.id}): VAT at {pct(f.vr[0])} is charged at "
                       f"checkout on goods + shipping + duty.")
        else:
            say.append(f"Import VAT on goods + shipping + duty comes to {money(f, vat_q[0])} for the consignment "
                       f"(rule {vat_rule.id}).")
            if small_q[0]:
                say.append(f"That is under CHF {small.params['min_tax']}: it is not collected (rule {small.id}).")
        say.append(f"Customs duty per rule {duty_rule.id}.")
    regime = label(reg, "CH-SELLER-VAT", label(small_q, "CH-SMALL", "CH-IMPORT"))
    return KernelOut(cols, vat_q, x.qsum(cv), x.qsum(tb), regime, small_q, ~f.dr_known, say)
