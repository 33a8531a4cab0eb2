"""JP: customs value up to JPY 10,000 -> duty and consumption tax exempt (until 2028-03-31).
Personal imports are valued at 60% of the overseas retail price (plus transport and insurance
here); above the limit duty on that value and consumption tax on value + duty."""

from __future__ import annotations

from ewtp.rules.engine.kernel import ChargeCol, KernelOut, ddp_lines, label, line_mask, masked, money

TAX_KEY = "ct"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    ex = p.need("exemption", on)
    cv = f.g * x.c(ex.params["personal_factor"]) + f.s
    total = x.qsum(cv)
    exempt_q = x.le(total, x.c(ex.params["threshold"]))
    taxed = ~line_mask(f, exempt_q)
    duty = masked(x, taxed, cv * f.dr)
    excise = masked(x, taxed & f.excise, (cv + duty) * f.cr)
    tb = cv + duty + excise
    checkout = ddp_lines(f)
    duty_rule, ct = p.need("duty", on), p.need("ct", on)
    cols = [ChargeCol("duty", "Customs duty", duty_rule, duty, cv, f.dr, taxed, checkout, override=f.raw.duty_has)]
    if f.any_excise:
        cols.append(ChargeCol("tax", "Excise", ct, excise, cv + duty, f.cr, taxed & f.excise, checkout))
    cols.append(ChargeCol("tax", "Consumption tax", ct, tb * f.vr, tb, f.vr, taxed, checkout, override=f.raw.vat_has))
    say = []
    if x.exact:
        say.append(f"The customs value of this personal import (60% of the retail price, plus transport and insurance) "
                   f"is {money(f, total[0])}.")
        if exempt_q[0]:
            say.append(f"Not more than JPY {ex.params['threshold']}: duty and consumption tax are exempt (rule {ex.id}).")
        else:
            say.append(f"More than JPY {ex.params['threshold']}: duty on the customs value (rule {duty_rule.id}) and "
                       f"consumption tax on value + duty (rule {ct.id}), collected at import.")
    return KernelOut(cols, total, total, x.qsum(masked(x, taxed, tb)), label(exempt_q, "JP-EXEMPT", "JP-IMPORT"),
                     exempt_q, taxed & ~f.dr_known, say)
