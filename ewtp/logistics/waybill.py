"""The waybill customs needs for an order (CEB511 fields), pushed by the hub's logistics partner
through customs' intake once the order document is there: jurisdiction, currency, consignee and
freight follow the order document, so the three documents agree field for field. A domestic
order has no order document and needs no waybill. A waybill that could not go yet (the order
document follows the payment) is pushed by `push_pending`, which the order's process runs."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from ewtp.core.actor import Actor
from ewtp.core.errors import AppError
from ewtp.core.orm import chunks
from ewtp.customs import intake
from ewtp.customs.models import TradeDocument
from ewtp.customs.xml.documents import APP_NEW
from ewtp.customs.xml.produce import new_guid
from ewtp.logistics.models import Carrier, Parcel, Shipment
from ewtp.logistics.partner import hub_logistics_actor

LOGISTICS_NAME = "eWTP hub logistics"  # its code towards customs is the hub carrier's (Carrier.HUB)


def _push(partner: Actor, shipment: Shipment, parcels: list[Parcel], order: dict) -> None:
    intake.push_waybill(partner, shipment.order_ref, logistics_code=Carrier.HUB,
                        logistics_name=LOGISTICS_NAME, logistics_no=shipment.tracking_no,
                        weight=sum((p.weight_kg for p in parcels), Decimal(0)),
                        freight=Decimal(str(order.get("freight") or 0)))


def push_waybill(actor: Actor, shipment: Shipment, parcels: list[Parcel]) -> bool:
    """Push the shipment's waybill if customs has the order; False when there is nothing to match."""
    order = intake.current_fields(shipment.order_ref, TradeDocument.ORDER)
    if order is None:
        return False
    _push(hub_logistics_actor(actor), shipment, parcels, order)
    return True


class _Waiting(NamedTuple):
    """What a pending waybill needs of its shipment."""

    pk: int
    order_ref: str
    tracking_no: str


def _document(shipment: Shipment | _Waiting, weight: Decimal, order: dict) -> dict:
    """A new waybill as `intake.push_waybill` writes it for a shipment without one: consignee and
    currency from the order document (tests/logistics/test_shipments.py compares the two)."""
    return {
        "guid": new_guid(), "appType": APP_NEW, "appTime": timezone.now().strftime("%Y%m%d%H%M%S"),
        "appStatus": "2", "logisticsCode": Carrier.HUB, "logisticsName": LOGISTICS_NAME,
        "logisticsNo": shipment.tracking_no, "orderNo": shipment.order_ref,
        "freight": Decimal(str(order.get("freight") or 0)), "currency": order["currency"],
        "weight": weight, "packNo": 1, "consignee": order["consignee"],
        "consigneeAddress": order["consigneeAddress"], "consigneeTelephone": order["consigneeTelephone"],
    }


def push_pending(actor: Actor, limit: int = 10_000, order_refs: QuerySet | list[str] | None = None) -> int:
    """Waybills of forward shipments whose order document reached customs after the shipment, in
    one batch through customs' intake (`push_json_many`: same checks and audit entries as one by
    one): the hub's logistics identity and the order documents are looked up once. A refused
    waybill is raised, as one by one, after the others went in. `order_refs`: only these orders'
    shipments (the order's process passes a subquery of the orders still in flight, so a poll does
    not test every shipment ever made)."""
    forward = Shipment.objects.filter(direction=Shipment.FORWARD)
    if order_refs is not None:
        forward = forward.filter(order_ref__in=order_refs)
    # only what a waybill carries (a shipment's row holds its route's quote and two addresses)
    waiting = [_Waiting(*row) for row in forward.filter(intake.has_current(TradeDocument.ORDER, order_no="order_ref"))
               .exclude(intake.has_current(TradeDocument.WAYBILL, order_no="order_ref")).order_by("pk")
               .values_list("pk", "order_ref", "tracking_no")[:limit]]
    if not waiting:
        return 0
    # the parcels' weights, summed per shipment (only the weight goes on a waybill: a prefetch of
    # the parcel rows, then a queryset per shipment to read them back, cost more than the push)
    weights: dict[int, Decimal] = {}
    ids = [s.pk for s in waiting]
    for part in chunks(ids):
        for shipment_id, kg in Parcel.objects.filter(shipment_id__in=part).values_list("shipment_id",
                                                                                               "weight_kg"):
            weights[shipment_id] = weights.get(shipment_id, Decimal(0)) + kg
    # the order documents: mostly pushed just before, in the order's process's open book
    orders = intake.current_many([s.order_ref for s in waiting], TradeDocument.ORDER)
    documents = [(_document(s, weights.get(s.pk, Decimal(0)), orders[s.order_ref][0]), orders[s.order_ref][1])
                 for s in waiting]
    results = intake.push_json_many(hub_logistics_actor(actor), "waybill", documents)
    refused = [r for r in results if isinstance(r, AppError)]
    if refused:
        raise refused[0]
    return len(results)
