"""EU: IOSS or import VAT; duty relief up to EUR 150 until 2026-06-30, then EUR 3 per distinct
subheading until 2028-06-30; above EUR 150 CCT duty on CIF and import VAT on CIF + duty."""

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
    masked,
    pct,
    std_charges,
)

TAX_KEY = "vat.{country}"
THRESHOLD_CCY = "EUR"
CT_KEY = None


def first_of_subheading(f) -> np.ndarray:
    """True on the first line of each distinct (quote, subheading): several units or lines of one
    subheading are one item."""
    hs = f.raw.hs_int if f.raw.hs_int is not None else f.raw.hs.astype(np.int64)
    _, first = np.unique(f.raw.q.astype(np.int64) * 1_000_000 + hs, return_index=True)
    out = np.zeros(f.n, dtype=bool)
    out[first] = True
    return out


def kernel(x, f) -> KernelOut:
    p, on = f.pack, f.on
    thr = p.need("threshold", on)
    intrinsic_t = x.qsum(f.g_src) * f.rate_t
    excise_q = any_per_quote(f, f.excise)
    low = x.le(intrinsic_t, x.c(thr.params["threshold"])) & ~excise_q
    ioss_rule = p.need("ioss", on)
    ioss = low & f.raw.regs[ioss_rule.params["registration"]]
    low_l, ioss_l = line_mask(f, low), line_mask(f, ioss)
    duty_rule = p.need("duty", on)
    vat_rule = p.need(TAX_KEY.format(country=f.country), on)
    flat = x.full(f.n, 0)
    cols: list[ChargeCol] = []
    out_say: list[str] = []
    low_rule = p.need("duty_low", on) if low.any() else None
    if low_rule is not None and low_rule.params["kind"] == "flat_per_subheading":
        first = first_of_subheading(f) & low_l
        flat = masked(x, first, f.eur_d[f.raw.q] * x.c(low_rule.params["amount"]))
        cols.append(ChargeCol("duty", "Customs duty (flat per item)", low_rule, flat, f.g + f.s, None, first,
                              ioss_l | ddp_lines(f)))
    b = border(x, f, ~low_l, cif=True)
    cv = f.g + f.s
    tb = cv + b.duty + b.excise + flat
    vat = tb * f.vr
    checkout = ioss_l | ddp_lines(f)
    cols += [c for c in std_charges(x, f, b, ~low_l, checkout, duty_rule, p.need("import_vat", on), "Import VAT")
             if c.kind == "duty" or c.name == "Excise"]
    cols.append(ChargeCol("tax", "VAT (IOSS)", ioss_rule, vat, tb, f.vr, ioss_l, ioss_l, override=f.raw.vat_has))
    cols.append(ChargeCol("tax", "Import VAT", p.need("import_vat", on), vat, tb, f.vr, ~ioss_l, checkout,
                          override=f.raw.vat_has))
    regime = label(ioss, "EU-IOSS", label(low, "EU-LVC", "EU-IMPORT"))
    if x.exact:
        T = thr.params["threshold"]
        it = intrinsic_t[0]
        out_say.append(f"The intrinsic value of the consignment is EUR {it.quantize(x.c('0.01'))} "
                       f"({'not more than' if low[0] else 'more than'} the EUR {T} limit of rule {thr.id}).")
        if excise_q[0]:
            out_say.append("The consignment holds excise goods, which are excluded from the low-value arrangements.")
        if low[0]:
            if low_rule.params["kind"] == "relief":
                out_say.append(f"No customs duty: relief for consignments up to EUR 150 (rule {low_rule.id}).")
            else:
                n_items = int(np.count_nonzero(first_of_subheading(f)))
                out_say.append(f"Customs duty is a flat EUR {low_rule.params['amount']} per distinct tariff subheading: "
                               f"{n_items} item(s) (rule {low_rule.id}).")
            if ioss[0]:
                out_say.append(f"The seller is registered for IOSS: {f.country} VAT at {pct(f.vr[0])} is charged at "
                               f"checkout on the price including delivery, and customs collect no import VAT "
                               f"(rule {ioss_rule.id}).")
            else:
                out_say.append(f"The seller is not registered for IOSS: {f.country} import VAT is due at import "
                               f"on the customs value plus duty (rule {p.need('import_vat', on).id}).")
        else:
            out_say.append(f"Customs duty at the CCT rate on the CIF customs value (rule {duty_rule.id}), then "
                           f"{f.country} import VAT at {pct(vat_rule.params['rate'])} on customs value plus duty "
                           f"(rule {vat_rule.id}).")
    return KernelOut(cols, x.qsum(f.g), x.qsum(cv), x.qsum(tb), regime, low,
                     ~low_l & ~f.dr_known, out_say)
