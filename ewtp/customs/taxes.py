"""Where a declaration's duty and taxes come from.

Today: the documents — the order's `taxTotal` is what the platform withheld (China CBEC: duty 0 %
within the limits, VAT and consumption tax at 70 %, collected at sale). When the rules engine's
frozen landed-cost quote exists (another issue), `declared_taxes` is the one function to change:
look the quote up by orderNo and return its figures, keeping `source` so a declaration says where
its numbers came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ewtp.customs.xml.documents import Order, Waybill


@dataclass(frozen=True)
class TaxFigures:
    customs_value: Decimal  # dutiable price: goods + freight + insurance
    duty: Decimal
    tax_total: Decimal
    source: str


def declared_taxes(order: Order, waybill: Waybill | None, regime: str = "9610") -> TaxFigures:
    insured = waybill.insured_fee if waybill is not None and waybill.insured_fee is not None else Decimal(0)
    value = order.goods_value + order.freight + insured
    # CBEC retail import within the limits: duty 0 %; the withheld VAT+CT is the order's taxTotal.
    return TaxFigures(customs_value=value, duty=Decimal(0), tax_total=order.tax_total, source="documents:taxTotal")
