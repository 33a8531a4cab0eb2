"""Fulfilment: when the seller accepts a paid order, the order becomes `accepted` and its shipment
is created (parcels, legs, tracking numbers, the waybill for customs) in the same transaction —
an accepted order always has a shipment, and a refused shipment leaves the order paid."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch

from ewtp.core.actor import Actor
from ewtp.core.errors import AppError
from ewtp.logistics.models import Shipment
from ewtp.logistics.packing import Item
from ewtp.logistics.routing import CHEAPEST
from ewtp.logistics.shipments import OrderData, create_shipment, network_memo
from ewtp.market import orders
from ewtp.market.models import Order, OrderLine, SellerProfile

PRIVATE = {"id_name", "id_number"}  # the CBEC identity stays with the order; carriers do not need it


def order_data(order: Order, profile: SellerProfile | None = None, lines: list[OrderLine] | None = None) -> OrderData:
    """The plain data logistics needs, from the order as placed (lines, address, route quoted).
    A batch passes the seller's profile and the lines (in pk order, variants joined) it read at once."""
    profile = profile or SellerProfile.objects.get(organisation_id=order.seller_id)
    snap = order.snapshot
    quoted = snap.get("shipping_quote", {})
    if lines is None:
        lines = list(order.lines.select_related("variant").order_by("pk"))
    items = [Item(ln.variant.sku, ln.title, ln.quantity, ln.variant.weight_kg, ln.unit_price, ln.seller_currency,
                  ln.hs_code, ln.origin) for ln in lines]
    return OrderData(
        order_ref=order.reference, seller_id=order.seller_id, buyer_id=order.buyer_id,
        ship_from={"name": profile.legal_name, "line1": profile.address[:200], "country": profile.country},
        ship_to={k: v for k, v in order.group.destination.items() if k not in PRIVATE}, lines=items,
        currency=snap.get("seller_currency"), lane_ids=quoted.get("lane_ids"), prefer=quoted.get("prefer", CHEAPEST))


def accept_order(actor: Actor, order_id: int) -> tuple[Order, Shipment]:
    with transaction.atomic():
        order = orders.transition(actor, order_id, Order.ACCEPTED)
        order = Order.objects.select_related("group").get(pk=order.pk)
        shipment = create_shipment(actor, order_data(order))
    return order, shipment


def accept_orders(accepts: list[tuple[Actor, int]]) -> list[tuple[Order, Shipment] | AppError]:
    """A batch of `accept_order` [(seller, order id)], each in its own savepoint as one by one (a
    refused one gives its error in its place and leaves its order paid): the orders' groups,
    lines and sellers' profiles are read once for the batch, the hubs and carriers once per
    route, the transitions go through `orders.transition_many` (the shipment is created in the
    move's savepoint), and which orders have a shipment already is read in one query."""
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("variant").order_by("pk"))
    loaded = Order.objects.select_related("group").prefetch_related(lines).in_bulk([pk for _, pk in accepts])
    profiles = {p.organisation_id: p for p in SellerProfile.objects.filter(
        organisation_id__in={o.seller_id for o in loaded.values()})}
    shipped = set(Shipment.objects.filter(order_ref__in=[o.reference for o in loaded.values()],
                                          direction=Shipment.FORWARD).values_list("order_ref", flat=True))
    shipments: dict[int, Shipment] = {}

    def ship(actor: Actor, order: Order) -> None:
        placed = loaded[order.pk]
        data = order_data(placed, profiles.get(placed.seller_id), list(placed.lines.all()))
        order.group = placed.group
        shipments[order.pk] = create_shipment(actor, data, absent=placed.reference not in shipped)
        shipped.add(placed.reference)

    with network_memo():
        results = orders.transition_many([
            orders.Move(actor, pk, Order.ACCEPTED, then=lambda order, actor=actor: ship(actor, order))
            for actor, pk in accepts])
    return [r if isinstance(r, AppError) else (r, shipments[r.pk]) for r in results]
