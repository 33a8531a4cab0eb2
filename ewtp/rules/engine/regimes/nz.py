"""NZ: items up to NZD 1,000 (IRD's per-item test, value without GST, transport, insurance) get
GST at sale from a registered supplier; other items pay duty and GST at the border. Unregistered
sellers' consignments up to NZD 1,000 pay nothing."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import (
    ChargeCol,
    KernelOut,
    border,
    ddp_lines,
    label,
    line_mask,
    money,
    pct,
    std_charges,
)

TAX_KEY = "gst"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    lvg = p.need("lvg", on)
    T = x.c(lvg.params["threshold"])
    reg_l = line_mask(f, f.raw.regs[lvg.params["registration"]])
    item_low = x.le(f.unit, T, per_line=True) & ~f.excise
    sale = item_low & reg_l
    cons = x.qsum(f.g)
    cons_low = line_mask(f, x.le(cons, T))
    exempt = ~reg_l & cons_low & ~f.excise
    at_border = ~sale & ~exempt
    gst = p.need("gst", on)
    b = border(x, f, at_border, cif=False)
    cols = std_charges(x, f, b, at_border, ddp_lines(f), p.need("duty", on), gst, "GST")
    sale_base = f.g + f.s
    cols.append(ChargeCol("tax", "GST (low-value imported goods)", lvg, sale_base * f.vr, sale_base, f.vr, sale,
                          sale, override=f.raw.vat_has))
    say = []
    if x.exact:
        if sale.any():
            lines = ", ".join(str(i + 1) for i in np.nonzero(sale)[0])
            say.append(f"Line(s) {lines}: items valued up to NZD {lvg.params['threshold']} each; the registered "
                       f"supplier charges GST at {pct(f.vr[0])} at checkout on the price including delivery "
                       f"(rule {lvg.id}).")
        if exempt.any():
            say.append(f"The seller declares no NZ-GST registration and the consignment is valued at {money(f, cons[0])}, "
                       f"not more than NZD {lvg.params['threshold']}: nothing is collected at sale or at the border.")
        if at_border.any():
            lines = ", ".join(str(i + 1) for i in np.nonzero(at_border)[0])
            say.append(f"Line(s) {lines}: duty on the customs value and GST at {pct(gst.params['rate'])} on customs "
                       f"value + duty + freight and insurance, at the border (rule {gst.id}).")
    tb = np.where(sale, sale_base, b.tb)
    low_q = ~(np.bincount(f.raw.q, weights=at_border.astype(float), minlength=f.nq) > 0)
    regime = label(low_q, label(f.raw.regs[lvg.params["registration"]], "NZ-LVIG", "NZ-EXEMPT"), "NZ-IMPORT")
    return KernelOut(cols, cons, cons, x.qsum(tb), regime, low_q, at_border & ~f.dr_known, say)
