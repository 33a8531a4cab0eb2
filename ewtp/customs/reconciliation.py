"""Three-document reconciliation (三单对碰), GACC announcement 2018 No.194 and the rules written
into the 2022-05 schema. Pure functions: documents in, `matched` or discrepancies out.

Each discrepancy names the field, the rule and both values. The rules, in the order they are
reported (the vectorised version in `reconciliation_vec` reports the same, in the same order):

  missing_document     the order, payment and waybill must all be present
  currency_cny         every document in GACC currency 142 (CNY)
  paid_formula         acturalPaid = goodsValue + freight + taxTotal - discount
  paid_equals_payment  order acturalPaid = payment amountPaid
  order_no_link        orderNo is the same on every document
  pay_transaction_link payTransactionId is the same on order and payment
  logistics_no_link    logisticsNo is the same on waybill and inventory list
  buyer_is_payer       order buyerIdNumber = payment payerIdNumber
  consignee_match      consignee, consigneeTelephone, consigneeAddress equal on order and waybill
  lines_one_to_one     inventory lines map one-to-one to order lines by gnum
  lines_same_goods     ... with the same goods name (order itemName = inventory gname)
  single_limit         transaction value <= RMB 5,000
  annual_limit         buyer's year-to-date + transaction value <= RMB 26,000 (only when the
                       buyer's year-to-date usage is supplied: it is not in the documents)

Other jurisdictions (the hub's own orders to non-China destinations, JSON documents with the same
fields in ISO codes): instead of currency_cny every document must be in the order's currency
(`currency_consistent`), and the CBEC limits do not apply; every other rule is the same.

Transaction value (for the limits) = goodsValue + freight + the waybill's insuredFee (the dutiable
price: retail price + freight + insurance; goodsValue already includes non-cash deductions).
Amounts are compared exactly (Decimal); the schema allows at most 5 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ewtp.customs.codes import CNY
from ewtp.customs.xml.documents import Inventory, Order, Payment, Waybill
from ewtp.customs.xml.produce import fmt_decimal

SINGLE_LIMIT = Decimal("5000")
ANNUAL_LIMIT = Decimal("26000")
RULES = ("missing_document", "currency_cny", "paid_formula", "paid_equals_payment", "order_no_link",
         "pay_transaction_link", "logistics_no_link", "buyer_is_payer", "consignee_match", "lines_one_to_one",
         "lines_same_goods", "single_limit", "annual_limit")
CONSIGNEE_FIELDS = (("consignee", "consignee"), ("consigneeTelephone", "consignee_telephone"),
                    ("consigneeAddress", "consignee_address"))


@dataclass(frozen=True)
class Discrepancy:
    field: str
    rule: str
    values: dict[str, str]

    def as_dict(self) -> dict:
        return {"field": self.field, "rule": self.rule, "values": dict(self.values)}


@dataclass(frozen=True)
class Result:
    order_no: str
    discrepancies: tuple[Discrepancy, ...] = field(default_factory=tuple)

    @property
    def matched(self) -> bool:
        return not self.discrepancies

    @property
    def status(self) -> str:
        return "matched" if self.matched else "discrepancies"

    def as_dict(self) -> dict:
        return {"status": self.status, "order_no": self.order_no,
                "discrepancies": [d.as_dict() for d in self.discrepancies]}


def _s(value: object) -> str:
    if value is None:
        return ""
    return fmt_decimal(value) if isinstance(value, Decimal) else str(value)


def transaction_value(order: Order, waybill: Waybill | None) -> Decimal:
    insured = waybill.insured_fee if waybill is not None and waybill.insured_fee is not None else Decimal(0)
    return order.goods_value + order.freight + insured


def _lines(order: Order, inv: Inventory) -> list[Discrepancy]:
    og = sorted(li.gnum for li in order.lines)
    ig = sorted(li.gnum for li in inv.lines)
    if og != ig or len(set(og)) != len(og):
        return [Discrepancy("gnum", "lines_one_to_one",
                            {"order": ",".join(map(str, og)), "inventory": ",".join(map(str, ig))})]
    names = {li.gnum: li.item_name for li in order.lines}
    return [Discrepancy(f"gname[{li.gnum}]", "lines_same_goods", {"order": names[li.gnum], "inventory": li.gname})
            for li in sorted(inv.lines, key=lambda x: x.gnum) if names[li.gnum] != li.gname]


def reconcile(order: Order | None, payment: Payment | None, waybill: Waybill | None,
              inventory: Inventory | None = None, *, buyer_year_to_date: Decimal | None = None,
              jurisdiction: str = "CN") -> Result:
    """Check one parcel. `buyer_year_to_date`: the buyer's CBEC purchases this calendar year before
    this parcel (RMB), from the hub's records; None skips the annual-limit rule."""
    first = next((d for d in (order, payment, waybill, inventory) if d is not None), None)
    order_no = first.order_no if first is not None else ""
    out: list[Discrepancy] = []
    for name, doc in (("order", order), ("payment", payment), ("waybill", waybill)):
        if doc is None:
            out.append(Discrepancy(name, "missing_document", {"expected": "present", "actual": "missing"}))
    if order is None:
        return Result(order_no, tuple(out))

    china = jurisdiction == "CN"
    required = CNY if china else order.currency
    for name, doc in (("order", order), ("payment", payment), ("waybill", waybill), ("inventory", inventory)):
        if doc is not None and doc.currency != required:
            out.append(Discrepancy(f"{name}.currency", "currency_cny" if china else "currency_consistent",
                                   {name: doc.currency, "required": required}))

    computed = order.goods_value + order.freight + order.tax_total - order.discount
    if computed != order.actural_paid:
        out.append(Discrepancy("acturalPaid", "paid_formula", {
            "order.acturalPaid": _s(order.actural_paid), "goodsValue+freight+taxTotal-discount": _s(computed)}))
    if payment is not None and payment.amount_paid != order.actural_paid:
        out.append(Discrepancy("amountPaid", "paid_equals_payment",
                               {"order.acturalPaid": _s(order.actural_paid), "payment.amountPaid": _s(payment.amount_paid)}))

    for name, doc in (("payment", payment), ("waybill", waybill), ("inventory", inventory)):
        if doc is not None and doc.order_no != order.order_no:
            out.append(Discrepancy(f"{name}.orderNo", "order_no_link", {"order": order.order_no, name: doc.order_no}))
    if payment is not None and (order.pay_transaction_id or "") != payment.pay_transaction_id:
        out.append(Discrepancy("payTransactionId", "pay_transaction_link",
                               {"order": _s(order.pay_transaction_id), "payment": payment.pay_transaction_id}))
    if waybill is not None and inventory is not None and waybill.logistics_no != inventory.logistics_no:
        out.append(Discrepancy("logisticsNo", "logistics_no_link",
                               {"waybill": waybill.logistics_no, "inventory": inventory.logistics_no}))
    if payment is not None and order.buyer_id_number != payment.payer_id_number:
        out.append(Discrepancy("buyerIdNumber", "buyer_is_payer",
                               {"order.buyerIdNumber": order.buyer_id_number,
                                "payment.payerIdNumber": payment.payer_id_number}))
    if waybill is not None:
        for xml_name, attr in CONSIGNEE_FIELDS:
            a, b = getattr(order, attr), getattr(waybill, attr)
            if a != b:
                out.append(Discrepancy(xml_name, "consignee_match", {"order": a, "waybill": b}))
    if inventory is not None:
        out.extend(_lines(order, inventory))

    if not china:
        return Result(order.order_no, tuple(out))
    value = transaction_value(order, waybill)
    if value > SINGLE_LIMIT:
        out.append(Discrepancy("transactionValue", "single_limit",
                               {"transactionValue": _s(value), "limit": _s(SINGLE_LIMIT)}))
    if buyer_year_to_date is not None and buyer_year_to_date + value > ANNUAL_LIMIT:
        out.append(Discrepancy("annualTotal", "annual_limit",
                               {"yearToDate+transactionValue": _s(buyer_year_to_date + value),
                                "limit": _s(ANNUAL_LIMIT)}))
    return Result(order.order_no, tuple(out))


def reconcile_many(parcels: Mapping[str, tuple], usage: Mapping[str, Decimal] | None = None) -> dict[str, Result]:
    """{orderNo: (order, payment, waybill, inventory)} -> {orderNo: Result}; `usage` maps
    buyerIdNumber -> year-to-date (a buyer missing from a given mapping has used nothing)."""
    out = {}
    for order_no, (o, p, w, i) in parcels.items():
        ytd = None if usage is None or o is None else usage.get(o.buyer_id_number, Decimal(0))
        out[order_no] = reconcile(o, p, w, i, buyer_year_to_date=ytd)
    return out
