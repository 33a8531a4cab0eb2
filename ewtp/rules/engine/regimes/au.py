"""AU: customs value up to AUD 1,000 per consignment -> GST at sale by a registered seller on the
full price incl. delivery, nothing at the border; above -> duty on the FOB customs value, GST on
the value of the taxable importation (customs value + duty + transport and insurance)."""

from __future__ import annotations

import numpy as np

from ewtp.rules.engine.kernel import (
    ChargeCol,
    KernelOut,
    any_per_quote,
    border,
    choose,
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
    cv = x.qsum(f.g)
    low = x.le(cv, x.c(lvg.params["threshold"])) & ~any_per_quote(f, f.excise)
    reg = np.asarray(f.raw.regs[lvg.params["registration"]], dtype=bool)
    low_l, sale_l = line_mask(f, low), line_mask(f, low & reg)
    high_l = ~low_l
    gst = p.need("gst", on)
    b = border(x, f, high_l, cif=False)
    cols = std_charges(x, f, b, high_l, ddp_lines(f), p.need("duty", on), gst, "GST")
    sale_base = f.g + f.s
    cols.append(ChargeCol("tax", "GST (low value imported goods)", lvg, sale_base * f.vr, sale_base, f.vr, sale_l,
                          sale_l, override=f.raw.vat_has))
    say = []
    if x.exact:
        say.append(f"The customs value (goods only) is {money(f, cv[0])}, "
                   f"{'not more than' if low[0] else 'more than'} AUD {lvg.params['threshold']} (rule {lvg.id}).")
        if low[0] and reg[0]:
            say.append(f"No duty or GST at the border; the registered seller charges GST at {pct(f.vr[0])} at checkout "
                       f"on the full price including delivery.")
        elif low[0]:
            say.append("The seller declares no AU-GST registration (required above AUD 75,000 a year): no GST is "
                       "charged at sale and none is collected at the border.")
        else:
            say.append(f"Duty on the customs value (rule {p.need('duty', on).id}) and GST at {pct(gst.params['rate'])} on "
                       f"customs value + duty + transport and insurance (rule {gst.id}).")
    tb = choose(low_l, choose(sale_l, sale_base, x.full(f.n, 0)), b.tb)
    regime = label(low, label(reg, "AU-LVIG", "AU-LVIG-UNREG"), "AU-IMPORT")
    return KernelOut(cols, cv, cv, x.qsum(tb), regime, low, high_l & ~f.dr_known, say)
