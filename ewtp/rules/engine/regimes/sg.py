"""SG: items up to SGD 400 imported by air or post get GST at sale from OVR-registered vendors;
border GST relief for consignments up to SGD 400 CIF by air or post; otherwise GST at the
border on CIF + duty (duty only on liquor, tobacco, motor vehicles, petroleum)."""

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
    lvg, relief = p.need("lvg", on), p.need("border_relief", on)
    mode_ok = np.isin(f.raw.mode, lvg.params["modes"])
    reg = np.asarray(f.raw.regs[lvg.params["registration"]], dtype=bool)
    item_low = x.le(f.unit, x.c(lvg.params["threshold"]), per_line=True) & ~f.excise & line_mask(f, mode_ok)
    sale = item_low & line_mask(f, reg)
    cif = x.qsum(f.g + f.s)
    relief_q = np.isin(f.raw.mode, relief.params["modes"]) & x.le(cif, x.c(relief.params["threshold"]))
    at_border = ~sale & ~line_mask(f, relief_q)
    gst = p.need("gst", on)
    b = border(x, f, at_border, cif=True)
    cols = std_charges(x, f, b, at_border, ddp_lines(f), p.need("duty", on), gst, "GST (import)")
    sale_base = f.g + f.s
    cols.append(ChargeCol("tax", "GST (low-value goods)", lvg, sale_base * f.vr, sale_base, f.vr, sale, sale,
                          override=f.raw.vat_has))
    say = []
    if x.exact:
        if sale.any():
            say.append(f"Items up to SGD {lvg.params['threshold']} each, imported by {f.raw.mode[0]}: the OVR-registered "
                       f"vendor charges GST at {pct(f.vr[0])} at checkout (rule {lvg.id}).")
        elif not reg[0]:
            say.append("The seller declares no SG-OVR registration: no GST is charged at sale.")
        if relief_q[0] and not at_border.any():
            say.append(f"The consignment's CIF value {money(f, cif[0])} is within the SGD {relief.params['threshold']} "
                       f"import GST relief (rule {relief.id}).")
        if at_border.any():
            say.append(f"GST at {pct(gst.params['rate'])} on CIF value + duty is due at import (rule {gst.id}).")
    any_border = np.bincount(f.raw.q, weights=at_border.astype(float), minlength=f.nq) > 0
    any_sale = np.bincount(f.raw.q, weights=sale.astype(float), minlength=f.nq) > 0
    regime = label(any_border, "SG-IMPORT", label(any_sale, "SG-LVG", "SG-RELIEF"))
    tb = np.where(sale, sale_base, b.tb)
    return KernelOut(cols, x.qsum(f.g), cif, x.qsum(tb), regime, ~any_border, at_border & ~f.dr_known, say)
