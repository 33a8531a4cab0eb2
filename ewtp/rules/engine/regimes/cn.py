"""CN: cross-border e-commerce retail import within RMB 5,000 per transaction and RMB 26,000 per
person per year: duty 0, tax = price x (VAT + CT) / (1 - CT) x 70%, withheld at checkout. A
single indivisible item over RMB 5,000 within the annual limit: CBEC, but taxed in full at
general-trade rates. Otherwise general trade: duty on CIF, CT on a tax-inclusive base, VAT on
CIF + duty + CT."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import (
    ChargeCol,
    KernelOut,
    any_per_quote,
    ddp_lines,
    label,
    line_mask,
    masked,
    money,
    pct,
    prefixed,
)

TAX_KEY = "vat"
THRESHOLD_CCY = None
CT_KEY = "ct"


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    cbec, general = p.need("cbec", on), p.need("general", on)
    price = f.g + f.s  # retail price + freight + insurance
    total = x.qsum(price)
    off_list = ~prefixed(f, cbec.params["positive_list"])
    on_list_q = ~any_per_quote(f, off_list)
    within_single = x.le(total, x.c(cbec.params["single"]))
    within_annual = x.le(f.raw.cbec_used + total, x.c(cbec.params["annual"]))
    nlines = np.bincount(f.raw.q, minlength=f.nq)
    qty1 = np.bincount(f.raw.q, weights=np.asarray(f.raw.qty == 1, dtype=float), minlength=f.nq) > 0
    single_item = (nlines == 1) & qty1
    cbec_q = on_list_q & within_annual & (within_single | single_item)
    reduced_q = cbec_q & within_single
    reduced = line_mask(f, reduced_q)
    full = ~reduced
    one, k = x.c(1), x.c(cbec.params["factor"])
    c, v = f.cr, f.vr
    # reduced (CBEC within limits): duty 0; multiply first, divide last (exact in Decimal)
    ct_r = price * c * k / (one - c)
    vat_r = price * v * k / (one - c)
    # full general-trade taxes (general trade, or the single indivisible CBEC item)
    duty = masked(x, full, price * f.dr)
    tb = price + duty
    ct_f = tb * c / (one - c)
    vat_f = tb * v / (one - c)
    checkout_full = line_mask(f, cbec_q) | ddp_lines(f)
    duty_rule = p.need("duty", on)
    vat_rule, ct_rule = p.need("vat", on), p.need("ct", on)
    has_ct = np.asarray(c > 0, dtype=bool)
    cols = [
        ChargeCol("duty", "Import duty", duty_rule, duty, price, f.dr, full, checkout_full, override=f.raw.duty_has),
        ChargeCol("tax", "Consumption tax (CBEC, 70%)", cbec, ct_r, price, c * k / (one - c), reduced & has_ct,
                  reduced, override=f.raw.exc_has),
        ChargeCol("tax", "Import VAT (CBEC, 70%)", cbec, vat_r, price, v * k / (one - c), reduced, reduced,
                  override=f.raw.vat_has),
        ChargeCol("tax", "Consumption tax", ct_rule, ct_f, tb / (one - c), c, full & has_ct, checkout_full,
                  override=f.raw.exc_has),
        ChargeCol("tax", "Import VAT", vat_rule, vat_f, tb / (one - c), v, full, checkout_full, override=f.raw.vat_has),
    ]
    say = []
    if x.exact:
        used = f.raw.cbec_used[0]
        say.append(f"The transaction value (goods, freight and insurance) is {money(f, total[0])}; the buyer has used "
                   f"{money(f, used)} of the RMB {cbec.params['annual']} annual CBEC limit (rule {cbec.id}).")
        if not on_list_q[0]:
            bad = ", ".join(str(i + 1) for i in np.nonzero(off_list)[0])
            say.append(f"Line(s) {bad} are not on the CBEC positive list: the order is general trade.")
        elif not within_annual[0]:
            say.append("The order would take the buyer over the annual limit: it is general trade.")
        elif reduced_q[0]:
            say.append(f"Within the RMB {cbec.params['single']} single and annual limits: duty 0, VAT and consumption "
                       f"tax at 70% of the statutory amount, tax = price x (VAT + CT) / (1 - CT) x 70%, withheld at "
                       f"checkout; the RMB 50 small-tax exemption does not apply.")
        elif cbec_q[0]:
            say.append(f"A single indivisible item over RMB {cbec.params['single']} within the annual limit: cleared as "
                       f"CBEC but taxed in full at general-trade rates, and it counts toward the annual total.")
        else:
            say.append(f"Over the RMB {cbec.params['single']} single-transaction limit: general trade.")
        if not reduced_q[0]:
            say.append(f"Duty on the CIF value (rule {duty_rule.id}); consumption tax on (value + duty) / (1 - CT); "
                       f"VAT at {pct(v[0])} on value + duty + consumption tax (rule {general.id}).")
    regime = label(reduced_q, "CN-CBEC", label(cbec_q, "CN-CBEC-FULL", "CN-GENERAL"))
    tax_base = x.qsum(np.where(reduced, price, tb / (one - c)))
    return KernelOut(cols, total, total, tax_base, regime, reduced_q, full & ~f.dr_known, say)
