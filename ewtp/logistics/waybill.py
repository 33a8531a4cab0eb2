"""The waybill customs needs for an order (CEB511 fields), pushed by the hub's logistics partner
through customs' intake once the order document is there: jurisdiction, currency, consignee and
freight follow the order document, so the three documents agree field for field. A domestic
order has no order document and needs no waybill. A waybill that could not go yet (the order
document follows the payment) is pushed by `push_pending`, which the order's process runs."""

from __future__ import annotations

from decimal import Decimal

from ewtp.core.actor import Actor
from ewtp.customs import intake
from ewtp.customs.models import TradeDocument
from ewtp.logistics.models import Carrier, Parcel, Shipment
from ewtp.logistics.partner import hub_logistics_actor

LOGISTICS_NAME = "eWTP hub logistics"  # its code towards customs is the hub carrier's (Carrier.HUB)


def push_waybill(actor: Actor, shipment: Shipment, parcels: list[Parcel]) -> bool:
    """Push the shipment's waybill if customs has the order; False when there is nothing to match."""
    order = intake.current_fields(shipment.order_ref, TradeDocument.ORDER)
    if order is None:
        return False
    intake.push_waybill(hub_logistics_actor(actor), shipment.order_ref, logistics_code=Carrier.HUB,
                        logistics_name=LOGISTICS_NAME, logistics_no=shipment.tracking_no,
                        weight=sum((p.weight_kg for p in parcels), Decimal(0)),
                        freight=Decimal(str(order.get("freight") or 0)))
    return True


def push_pending(actor: Actor, limit: int = 10_000) -> int:
    """Waybills of forward shipments whose order document reached customs after the shipment."""
    waiting = (Shipment.objects.filter(direction=Shipment.FORWARD,
                                       order_ref__in=intake.order_nos_with(TradeDocument.ORDER))
               .exclude(order_ref__in=intake.order_nos_with(TradeDocument.WAYBILL)).order_by("pk")
               .prefetch_related("parcels"))
    n = 0
    for s in waiting[:limit]:
        n += push_waybill(actor, s, list(s.parcels.all()))
    return n
