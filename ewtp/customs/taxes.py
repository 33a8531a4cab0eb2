"""Where a declaration's duty and taxes come from.

- The hub's own orders carry the landed-cost quote the rules engine gave at checkout, frozen on the
  order and pushed with it (`Parcel.landed_cost`): the declaration takes its duty, tax, customs
  value and regime from there, with each charge's rule id and version — never recomputed, so the
  buyer paid exactly what is declared.
- Orders from other marketplaces: the documents — the order's `taxTotal` is what the platform
  withheld (China CBEC: duty 0 % within the limits, VAT and consumption tax at 70 %, collected at
  sale).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ewtp.customs.xml.documents import Order, Waybill

# the engine's China CBEC regimes are declared under supervision mode 9610 (direct purchase)
CUSTOMS_MODE = {"CN-CBEC": "9610", "CN-CBEC-FULL": "9610"}


@dataclass(frozen=True)
class TaxFigures:
    customs_value: Decimal  # dutiable price: goods + freight + insurance
    duty: Decimal
    tax_total: Decimal
    source: str
    regime: str = "9610"
    charges: list[dict] | None = field(default=None)


def regime_of(landed_cost: dict) -> str:
    code = str(landed_cost["regime"]["code"])
    return CUSTOMS_MODE.get(code, code)


def from_quote(landed_cost: dict) -> TaxFigures:
    """The frozen engine quote -> the declared figures, in the quote's (destination) currency."""
    t = landed_cost["totals"]
    charges = [{"kind": c["kind"], "name": c["name"], "line": c.get("line"), "base": c["base"], "rate": c.get("rate"),
                "amount": c["amount"], "collected_at": c.get("collected_at"),
                "rule": {"id": c["rule"]["id"], "version": c["rule"]["version"]}}
               for c in landed_cost.get("charges", []) if c["kind"] in ("duty", "tax")]
    return TaxFigures(customs_value=Decimal(landed_cost["values"]["customs"]), duty=Decimal(t["duty"]),
                      tax_total=Decimal(t["tax"]), source=f"quote:{landed_cost['regime']['code']}"[:64],
                      regime=regime_of(landed_cost), charges=charges)


def declared_taxes(order: Order, waybill: Waybill | None, regime: str = "9610",
                   landed_cost: dict | None = None) -> TaxFigures:
    if landed_cost:
        return from_quote(landed_cost)
    insured = waybill.insured_fee if waybill is not None and waybill.insured_fee is not None else Decimal(0)
    value = order.goods_value + order.freight + insured
    # CBEC retail import within the limits: duty 0 %; the withheld VAT+CT is the order's taxTotal.
    return TaxFigures(customs_value=value, duty=Decimal(0), tax_total=order.tax_total, source="documents:taxTotal",
                      regime=regime)
