"""Fulfilment: when the seller accepts a paid order, the order becomes `accepted` and its shipment
is created (parcels, legs, tracking numbers, the waybill for customs) in the same transaction —
an accepted order always has a shipment, and a refused shipment leaves the order paid."""

from __future__ import annotations

from django.db import transaction

from ewtp.core.actor import Actor
from ewtp.logistics.models import Shipment
from ewtp.logistics.packing import Item
from ewtp.logistics.routing import CHEAPEST
from ewtp.logistics.shipments import OrderData, create_shipment
from ewtp.market import orders
from ewtp.market.models import Order, SellerProfile

PRIVATE = {"id_name", "id_number"}  # the CBEC identity stays with the order; carriers do not need it


def order_data(order: Order) -> OrderData:
    """The plain data logistics needs, from the order as placed (lines, address, route quoted)."""
    profile = SellerProfile.objects.get(organisation_id=order.seller_id)
    snap = order.snapshot
    quoted = snap.get("shipping_quote", {})
    lines = [Item(ln.variant.sku, ln.title, ln.quantity, ln.variant.weight_kg, ln.unit_price, ln.seller_currency,
                  ln.hs_code, ln.origin)
             for ln in order.lines.select_related("variant").order_by("pk")]
    return OrderData(
        order_ref=order.reference, seller_id=order.seller_id, buyer_id=order.buyer_id,
        ship_from={"name": profile.legal_name, "line1": profile.address[:200], "country": profile.country},
        ship_to={k: v for k, v in order.group.destination.items() if k not in PRIVATE}, lines=lines,
        currency=snap.get("seller_currency"), lane_ids=quoted.get("lane_ids"), prefer=quoted.get("prefer", CHEAPEST))


def accept_order(actor: Actor, order_id: int) -> tuple[Order, Shipment]:
    with transaction.atomic():
        order = orders.transition(actor, order_id, Order.ACCEPTED)
        order = Order.objects.select_related("group").get(pk=order.pk)
        shipment = create_shipment(actor, order_data(order))
    return order, shipment
