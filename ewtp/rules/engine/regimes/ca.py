"""CA: thresholds follow the place of direct shipment and the mode (Customs Notice 20-18):
courier from US/MX up to CAD 40 free, to CAD 150 taxes only, above both; mail from anywhere or
courier from elsewhere up to CAD 20 free. Duty on the value for duty; GST/HST on VFD + duty."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import ChargeCol, KernelOut, border, ddp_lines, label, line_mask, money

TAX_KEY = "gst"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    cusma, lvs = p.need("courier_cusma", on), p.need("low_value", on)
    vfd = x.qsum(f.g)
    is_cusma = np.isin(f.raw.ship_from, cusma.params["ship_from"]) & np.isin(f.raw.mode, cusma.params["modes"])
    tax_free = np.where(is_cusma, x.le(vfd, x.c(cusma.params["tax_free"])), x.le(vfd, x.c(lvs.params["tax_free"])))
    duty_free = is_cusma & x.le(vfd, x.c(cusma.params["duty_free"]))
    taxed = ~line_mask(f, tax_free)
    dutied = taxed & ~line_mask(f, duty_free)
    gst = p.need("gst", on)
    b = border(x, f, dutied, cif=False)
    tb = f.g + b.duty + b.excise
    tax = tb * f.vr
    hst_q = np.isin(f.raw.subdivision, list((gst.params.get("by_subdivision") or {}).keys()))
    hst_l = line_mask(f, hst_q)
    checkout = ddp_lines(f)
    duty_rule = p.need("duty", on)
    cols = [ChargeCol("duty", "Customs duty", duty_rule, b.duty, f.g, f.dr, dutied, checkout, override=f.raw.duty_has)]
    if f.any_excise:
        cols.append(ChargeCol("tax", "Excise", gst, b.excise, f.g + b.duty, f.cr, dutied & f.excise, checkout))
    cols.append(ChargeCol("tax", "GST", gst, tax, tb, f.vr, taxed & ~hst_l, checkout, override=f.raw.vat_has))
    cols.append(ChargeCol("tax", "HST", gst, tax, tb, f.vr, taxed & hst_l, checkout, override=f.raw.vat_has))
    say = []
    if x.exact:
        rule = cusma if is_cusma[0] else lvs
        say.append(f"Shipped by {f.raw.mode[0]} from {f.raw.ship_from[0]}: the thresholds of rule {rule.id} apply "
                   f"to the value for duty {money(f, vfd[0])}.")
        if tax_free[0]:
            say.append("The shipment is free of duty and taxes.")
        elif duty_free[0]:
            say.append(f"No duty (up to CAD {cusma.params['duty_free']}); GST/HST on the value for duty (rule {gst.id}).")
        else:
            say.append(f"Duty at the MFN rate (CUSMA origin duty-free) on the value for duty (rule {duty_rule.id}); "
                       f"GST/HST on value for duty plus duty (rule {gst.id}).")
        if not f.raw.subdivision[0]:
            say.append("No province given: GST only; HST provinces need destination.subdivision.")
    regime = label(tax_free, "CA-FREE", label(duty_free, "CA-TAX-ONLY", "CA-IMPORT"))
    return KernelOut(cols, vfd, vfd, x.qsum(np.where(taxed, tb, x.full(f.n, 0))), regime, tax_free | duty_free,
                     dutied & ~f.dr_known, say)
