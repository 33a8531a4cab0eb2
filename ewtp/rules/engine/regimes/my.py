"""MY: low value goods (sold at up to RM 500) get 10% sales tax at sale from registered sellers,
on the sale value without transport or insurance; air/courier/postal consignments with CIF up to
RM 500 are exempt at the border; otherwise duty on CIF and sales tax on CIF + duty."""

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
    prefixed,
    std_charges,
)

TAX_KEY = "sales_tax"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    lvg, dm = p.need("lvg", on), p.need("border_deminimis", on)
    reg = np.asarray(f.raw.regs[lvg.params["registration"]], dtype=bool)
    excluded = prefixed(f, lvg.params["excluded_hs"]) | f.excise
    item_ok = x.le(f.unit, x.c(lvg.params["threshold"]), per_line=True) & ~excluded
    sale = item_ok & line_mask(f, reg)
    cif = x.qsum(f.g + f.s)
    dm_q = np.isin(f.raw.mode, dm.params["modes"]) & x.le(cif, x.c(dm.params["threshold"]))
    at_border = ~sale & ~line_mask(f, dm_q)
    st = p.need("sales_tax", on)
    b = border(x, f, at_border, cif=True)
    cols = std_charges(x, f, b, at_border, ddp_lines(f), p.need("duty", on), st, "Sales tax (import)")
    lvg_rate = np.where(f.raw.vat_has, f.raw.vat_over, x.full(f.n, lvg.params["rate"]))
    cols.append(ChargeCol("tax", "Sales tax (LVG)", lvg, f.g * lvg_rate, f.g, lvg_rate, sale, sale,
                          override=f.raw.vat_has))
    say = []
    if x.exact:
        if sale.any():
            say.append(f"Low value goods sold at up to RM {lvg.params['threshold']} each: the registered seller charges "
                       f"sales tax at {pct(lvg_rate[0])} at checkout on the sale value without transport or "
                       f"insurance (rule {lvg.id}).")
        elif not reg[0]:
            say.append("The seller declares no MY-LVG registration: no sales tax is charged at sale.")
        if dm_q[0] and not at_border.any():
            say.append(f"The consignment's CIF value {money(f, cif[0])} is within the RM {dm.params['threshold']} "
                       f"border de minimis for air, courier and post (rule {dm.id}).")
        if at_border.any():
            say.append(f"Import duty on CIF and sales tax at {pct(st.params['rate'])} on CIF + duty at the border "
                       f"(rule {st.id}).")
    any_border = np.bincount(f.raw.q, weights=at_border.astype(float), minlength=f.nq) > 0
    any_sale = np.bincount(f.raw.q, weights=sale.astype(float), minlength=f.nq) > 0
    regime = label(any_border, "MY-IMPORT", label(any_sale, "MY-LVG", "MY-DEMINIMIS"))
    tb = np.where(sale, f.g, b.tb)
    return KernelOut(cols, x.qsum(f.g), cif, x.qsum(tb), regime, ~any_border, at_border & ~f.dr_known, say)
