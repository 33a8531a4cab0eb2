"""A tax return as JSON and as CSV (one row per line, then one row per rate total)."""

from __future__ import annotations

import csv
import io

from ewtp.customs.models import TaxReturn

SCHEME_NAMES = {"EU-IOSS": "EU Import One-Stop Shop VAT return", "MY-LVG": "Malaysia low value goods sales tax return",
                "CN-CBEC": "China CBEC tax bill summary"}
COLUMNS = ("declaration", "order_no", "released_at", "currency", "customs_value", "duty", "tax", "return_currency",
           "duty_converted", "tax_converted")


def as_json(ret: TaxReturn) -> dict:
    return {
        "id": ret.pk, "jurisdiction": ret.jurisdiction, "scheme": ret.scheme,
        "scheme_name": SCHEME_NAMES.get(ret.scheme, ret.scheme), "period": ret.period,
        "period_start": ret.period_start.isoformat(), "period_end": ret.period_end.isoformat(),
        "currency": ret.currency, "status": ret.status, "fx": ret.fx, "totals": ret.totals,
        "duty_total": str(ret.duty_total), "tax_total": str(ret.tax_total), "payable": ret.payable,
        "settlement_tx": ret.settlement_tx, "filed_at": ret.filed_at.isoformat() if ret.filed_at else None,
        "paid_at": ret.paid_at.isoformat() if ret.paid_at else None,
        "lines": [{"declaration": li.number, "order_no": li.order_no, "released_at": li.released_at.isoformat(),
                   "currency": li.currency, "customs_value": str(li.customs_value), "duty": str(li.duty),
                   "tax": str(li.tax), "duty_converted": str(li.duty_converted),
                   "tax_converted": str(li.tax_converted), "by_rate": li.by_rate}
                  for li in ret.lines.all()],
    }


def as_csv(ret: TaxReturn) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["return", ret.scheme, ret.jurisdiction, ret.period, ret.currency, ret.status])
    w.writerow(COLUMNS)
    for li in ret.lines.all():
        w.writerow([li.number, li.order_no, li.released_at.isoformat(), li.currency, li.customs_value, li.duty,
                    li.tax, ret.currency, li.duty_converted, li.tax_converted])
    w.writerow([])
    w.writerow(["total", "kind", "rate", "base", "amount", "currency"])
    for t in ret.totals:
        w.writerow(["total", t["kind"], t["rate"], t["base"], t["amount"], ret.currency])
    w.writerow(["total", "duty", "", "", ret.duty_total, ret.currency])
    w.writerow(["total", "tax", "", "", ret.tax_total, ret.currency])
    return buf.getvalue()
