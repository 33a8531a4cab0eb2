"""The marketplace's orders reach customs: the trade documents of a paid cross-border order.

Each document is pushed by the party responsible for it (GACC 2018 No.194), through
`ewtp.customs.intake`:
- the **order**, by the hub (the platform), from the order's frozen snapshot — lines with HS codes
  and values, freight, the tax collected, the consignee and, for China, the buyer's identity —
  together with the landed-cost quote frozen at checkout, which the declaration will use;
- the **payment**, from the payments domain's Payment record, by the SANDBOX payment partner's
  organisation (the hub's in-process adapter for the SANDBOX provider);
- the **waybill**, by the logistics partner when it creates the shipment (ewtp/logistics calls
  `ewtp.customs.intake.push_waybill`);
- the **inventory list** (CEB621, the declaration list with the HS codes), by the hub as declarant
  and withholding agent, once the waybill gives the logistics number.

Jurisdiction = the destination country (an EU member state is its own jurisdiction: the IOSS
return is per member state). China uses GACC's code lists (currency 142, JGS-20 countries and
units); elsewhere the same fields carry ISO 4217 currencies, ISO 3166 countries and UN/ECE units.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db.models import F, QuerySet
from django.db.models.fields.json import KT, KeyTextTransform

from ewtp.accounts.models import Organisation
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import AppError, Conflict
from ewtp.core.money import Money
from ewtp.core.orm import chunks
from ewtp.customs import intake
from ewtp.customs.codes import CNY, gacc_country
from ewtp.customs.models import TradeDocument
from ewtp.market.models import Order
from ewtp.payments.models import Payment

HUB_CODE, HUB_NAME = "EWTPHUB", "eWTP hub"  # the platform (ebp), declarant and withholding agent
SANDBOX_PAYMENT_ORG = "Sandbox Pay (demo provider)"  # the SANDBOX provider's partner organisation
CUSTOMS_OFFICE = "2991"  # the customs office and port the hub declares at (GACC 4-digit code)
TRAF_MODE_AIR = "5"  # GACC transport mode: parcels reach the destination by air courier
PIECE = {"CN": "007"}  # GACC unit "个"; elsewhere UN/ECE C62 (one)


def by_border(orders: QuerySet, *, crossing: bool) -> QuerySet:
    """The orders whose parcel crosses a border (ships from another country than it goes to), or
    the domestic ones — decided in the database, so a poll never loads the orders it skips."""
    qs = orders.annotate(origin=KT("snapshot__ship_from"), dest=KeyTextTransform("country", "group__destination"))
    return qs.exclude(origin=F("dest")) if crossing else qs.filter(origin=F("dest"))


def with_loaded(orders: QuerySet, loaded: list[Order]) -> list[Order]:
    """The orders `orders` gives (a queryset with `select_related("group")`), in its order, taking
    those in `loaded` (read by the caller earlier and unchanged since) rather than decoding their
    snapshots and destinations again: the query reads the other columns, and only the orders
    not loaded are read in full."""
    known = {o.pk: o for o in loaded}
    rows = list(orders.defer("snapshot", "group__destination"))  # the same query otherwise: the same order
    missing = [o.pk for o in rows if o.pk not in known]
    for part in chunks(missing):
        known.update((o.pk, o) for o in Order.objects.filter(pk__in=part).select_related("group"))
    return [known[o.pk] for o in rows]


def _dest(order: Order) -> str:
    return order.group.destination["country"]


def _guid(order: Order, kind: str) -> str:
    """A stable message guid per order and document (36 upper-case characters, as GACC wants), so
    a second push of the same document is recognised as the same."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ewtp:{order.reference}:{kind}")).upper()


def _codes(order: Order) -> tuple[str, Callable[[str], str]]:
    """(currency code, country code function) of the destination's customs."""
    if _dest(order) == "CN":
        return CNY, gacc_country
    return order.currency, lambda iso: iso


def _buyer(order: Order) -> tuple[str, str]:
    """(name, identity number): China's CBEC taxes the buyer by PRC identity; elsewhere the hub's
    buyer account stands for the buyer (the payer is the same account)."""
    d = order.group.destination
    if _dest(order) == "CN":
        return d["id_name"], d["id_number"]
    return d["name"], f"u{order.buyer_id}"


def _address(order: Order) -> str:
    d = order.group.destination
    parts = [d.get("line1"), d.get("city"), d.get("subdivision"), d.get("postcode"), d.get("country")]
    return ", ".join(p for p in parts if p)[:200]


def _lines(order: Order) -> list[dict]:
    """Lines in the buyer's currency at the order's frozen rate; the last line takes the rounding
    so the lines add up to the order's goods value exactly."""
    snap, cur = order.snapshot, order.currency
    rate = Decimal(snap["fx"]["rate"])
    currency, country = _codes(order)
    unit = PIECE.get(_dest(order), "C62")
    totals = [Money(Decimal(ln["unit_price"]) * ln["quantity"] * rate, cur).rounded().amount for ln in snap["lines"]]
    totals[-1] += order.goods - sum(totals, Decimal(0))
    return [{"gnum": n, "itemNo": str(ln["variant_id"]), "itemName": ln["title"], "gmodel": ln["title"],
             "unit": unit, "qty": Decimal(ln["quantity"]), "total_price": total,
             "price": (total / ln["quantity"]).quantize(Decimal("0.00001")), "currency": currency,
             "country": country(ln["origin"]), "hs_code": ln["hs_code"]}
            for n, (ln, total) in enumerate(zip(snap["lines"], totals, strict=True), start=1)]


def _time(dt) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def payment_partner() -> Actor:
    """The SANDBOX provider's organisation, acting through the hub's in-process adapter."""
    org, _ = Organisation.objects.get_or_create(kind=Organisation.PAYMENT, name=SANDBOX_PAYMENT_ORG,
                                                defaults={"country": "MY"})
    return Actor(role=Role.PAYMENT_PARTNER, org_ids=frozenset({org.pk}), label="SANDBOX payment adapter")


def order_document(order: Order, payment: Payment) -> dict:
    currency, _ = _codes(order)
    name, id_number = _buyer(order)
    d = order.group.destination
    taxes = order.total - order.goods - order.shipping  # duty, tax and fees collected at checkout
    return {
        "guid": _guid(order, "order"), "appType": "1", "appTime": _time(order.created_at),
        "appStatus": "2", "orderType": "I", "orderNo": order.reference, "ebpCode": HUB_CODE, "ebpName": HUB_NAME,
        "ebcCode": f"EWTPS{order.seller_id}"[:18], "ebcName": order.snapshot["seller_name"][:100],
        "goodsValue": order.goods, "freight": order.shipping, "discount": Decimal(0), "taxTotal": taxes,
        "acturalPaid": order.total, "currency": currency, "buyerRegNo": f"u{order.buyer_id}", "buyerName": name,
        "buyerTelephone": d["phone"][:30], "buyerIdType": "1", "buyerIdNumber": id_number,
        "payCode": payment.provider.upper()[:18], "payName": SANDBOX_PAYMENT_ORG,
        "payTransactionId": payment.provider_ref or order.reference, "consignee": d["name"],
        "consigneeTelephone": d["phone"][:50], "consigneeAddress": _address(order),
        "lines": [{"gnum": li["gnum"], "itemNo": li["itemNo"], "itemName": li["itemName"], "gmodel": li["gmodel"],
                   "unit": li["unit"], "qty": li["qty"], "price": li["price"], "totalPrice": li["total_price"],
                   "currency": li["currency"], "country": li["country"]} for li in _lines(order)],
    }


def payment_document(order: Order, payment: Payment) -> dict:
    currency, _ = _codes(order)
    name, id_number = _buyer(order)
    return {
        "guid": _guid(order, "payment"), "appType": "1", "appTime": _time(payment.updated_at),
        "appStatus": "2", "payCode": payment.provider.upper()[:18], "payName": SANDBOX_PAYMENT_ORG,
        "payTransactionId": payment.provider_ref or order.reference, "orderNo": order.reference,
        "ebpCode": HUB_CODE, "ebpName": HUB_NAME, "payerIdType": "1", "payerIdNumber": id_number,
        "payerName": name, "amountPaid": payment.amount.amount, "currency": currency,
        "payTime": _time(payment.updated_at),
    }


def inventory_document(order: Order, waybill: dict) -> dict:
    """The declaration list, filed by the hub as declarant; the HS codes come from the snapshot (six
    digits; China's ten-digit code is padded with zeros for the officer to refine)."""
    currency, country = _codes(order)
    name, id_number = _buyer(order)
    d = order.group.destination
    china = _dest(order) == "CN"
    weight = Decimal(waybill["weight"])
    return {
        "guid": _guid(order, "inventory"), "appType": "1", "appTime": waybill["appTime"],
        "appStatus": "2", "orderNo": order.reference, "ebpCode": HUB_CODE, "ebpName": HUB_NAME,
        "ebcCode": f"EWTPS{order.seller_id}"[:18], "ebcName": order.snapshot["seller_name"][:100],
        "logisticsNo": waybill["logisticsNo"], "logisticsCode": waybill["logisticsCode"],
        "logisticsName": waybill["logisticsName"], "copNo": order.reference[:20], "assureCode": HUB_CODE,
        "ieFlag": "I", "declTime": waybill["appTime"][:8], "customsCode": CUSTOMS_OFFICE,
        "portCode": CUSTOMS_OFFICE, "buyerIdType": "1", "buyerIdNumber": id_number, "buyerName": name,
        "buyerTelephone": d["phone"][:30], "consigneeAddress": _address(order), "agentCode": HUB_CODE,
        "agentName": HUB_NAME, "tradeMode": "9610" if china else "0000", "trafMode": TRAF_MODE_AIR,
        "country": country(order.snapshot["ship_from"]), "freight": order.shipping, "insuredFee": Decimal(0),
        "currency": currency, "packNo": 1, "grossWeight": weight, "netWeight": weight,
        "lines": [{"gnum": li["gnum"], "itemNo": li["itemNo"], "itemName": li["itemName"],
                   "gcode": li["hs_code"].ljust(10, "0") if china else li["hs_code"], "gname": li["itemName"],
                   "gmodel": li["gmodel"], "country": li["country"], "currency": li["currency"], "qty": li["qty"],
                   "unit": li["unit"], "qty1": li["qty"], "unit1": li["unit"], "price": li["price"],
                   "totalPrice": li["total_price"]} for li in _lines(order)],
    }


def push_paid_orders(orders: list[Order], actor: Actor = SYSTEM) -> dict[str, AppError]:
    """The order (by the hub, with its frozen quote) and the payment (by the payment partner) of paid
    cross-border orders, batched through customs' intake (a few queries for the whole batch, then
    one savepoint per document): the order documents, then the payments of the orders whose
    document went. Idempotent: pushing the same order again changes nothing. -> {reference: why} for the orders left for the next run."""
    failed: dict[str, AppError] = {}
    payments: dict[str, Payment] = {}
    refs = [o.reference for o in orders]
    for p in Payment.objects.filter(order_ref__in=refs, state=Payment.CAPTURED).order_by("pk"):
        payments.setdefault(p.order_ref, p)  # as .first() would
    ready = []
    for o in orders:
        if o.reference in payments:
            ready.append(o)
        else:
            failed[o.reference] = Conflict(f"order {o.reference} has no captured payment")
    pushed = intake.push_hub_orders(actor, [
        intake.HubOrder(order_document(o, payments[o.reference]), _dest(o), o.snapshot["engine"], o.seller_id)
        for o in ready])
    went = []
    for o, r in zip(ready, pushed, strict=True):
        if isinstance(r, AppError):
            failed[o.reference] = r
        else:
            went.append(o)
    paid = intake.push_json_many(payment_partner(), "payment",
                                 [(payment_document(o, payments[o.reference]), _dest(o)) for o in went])
    failed.update({o.reference: r for o, r in zip(went, paid, strict=True) if isinstance(r, AppError)})
    return failed


def push_inventories(orders: list[Order], actor: Actor = SYSTEM) -> tuple[int, dict[str, AppError]]:
    """The inventory lists of orders whose logistics partner's waybill is there, batched ->
    (inventory lists filed, {reference: why})."""
    # mostly pushed just before, in the order's process's open book: not read and decoded again
    waybills = {no: fields for no, (fields, _) in
                intake.current_many([o.reference for o in orders], TradeDocument.WAYBILL).items()}
    ready = [o for o in orders if o.reference in waybills]
    results = intake.push_json_many(actor, "inventory",
                                    [(inventory_document(o, waybills[o.reference]), _dest(o)) for o in ready])
    failed = {o.reference: r for o, r in zip(ready, results, strict=True) if isinstance(r, AppError)}
    return len(ready) - len(failed), failed

