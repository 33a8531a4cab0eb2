"""GB: up to GBP 135 (intrinsic, per consignment) UK supply VAT at sale and no duty; above it
duty on goods + shipping + insurance and import VAT on that plus duty — never both."""

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
    money,
    pct,
    std_charges,
)

TAX_KEY = "vat"
THRESHOLD_CCY = None
CT_KEY = None


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    thr = p.need("threshold", on)
    intrinsic = x.qsum(f.g)
    low = x.le(intrinsic, x.c(thr.params["threshold"])) & ~any_per_quote(f, f.excise)
    low_l = line_mask(f, low)
    supply = p.need("supply_vat", on)
    b = border(x, f, ~low_l, cif=True)
    cols = std_charges(x, f, b, ~low_l, ddp_lines(f), p.need("duty", on), p.need("import_vat", on), "Import VAT")
    sale_base = f.g + f.s
    cols.append(ChargeCol("tax", "UK VAT (supply)", supply, sale_base * f.vr, sale_base, f.vr, low_l, low_l,
                          override=f.raw.vat_has))
    say = []
    if x.exact:
        registered = bool(f.raw.regs[supply.params["registration"]][0])
        say.append(f"The intrinsic value is {money(f, intrinsic[0])}, "
                   f"{'not more than' if low[0] else 'more than'} GBP {thr.params['threshold']} (rule {thr.id}).")
        if low[0]:
            say.append(f"No import VAT and no customs duty; UK VAT at {pct(f.vr[0])} is charged at checkout on the "
                       f"price including delivery (rule {supply.id}).")
            if not registered:
                say.append("The seller declares no GB-VAT registration: an overseas seller must register to charge it.")
        else:
            say.append("Above the limit, supply VAT must not be charged at sale: customs duty on goods, shipping and "
                       "insurance and import VAT on that plus duty are due at import.")
    tb = np.where(low_l, sale_base, b.tb)
    return KernelOut(cols, intrinsic, x.qsum(f.g + f.s), x.qsum(tb), label(low, "GB-LVC", "GB-IMPORT"), low,
                     ~low_l & ~f.dr_known, say)
