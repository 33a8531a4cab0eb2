"""Creating the shipment of a seller order from plain order data (logistics never imports the
marketplace): the lines are packed into parcels, the route quoted at checkout (or, if it is no
longer sold, the preferred one now) becomes legs with each carrier's tracking number, and the
waybill goes to customs — all in one transaction. Idempotent per order reference."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING

from django.db import IntegrityError, transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import create, insert, save_fields
from ewtp.core.errors import Forbidden, ValidationFailed
from ewtp.core.orm import unique
from ewtp.logistics.models import Carrier, Hub, Lane, Leg, Parcel, ParcelItem, Shipment
from ewtp.logistics.packing import MAX_PARCEL_KG, Item, PackedParcel, pack
from ewtp.logistics.quote import ShippingQuote, quote_shipping
from ewtp.logistics.routing import CHEAPEST
from ewtp.logistics.s10 import dhl_waybill, s10
from ewtp.logistics.waybill import push_waybill

POSTAL_TABLE = "upu_emsevt"
LEG_SERVICE = {Lane.FIRST_MILE: "CF", Lane.LINE_HAUL: "CH", Lane.LAST_MILE: "CL"}  # per leg kind, in S10's C range
LEG_DIGIT = {Lane.FIRST_MILE: 1, Lane.LINE_HAUL: 2, Lane.LAST_MILE: 3}


@dataclass(frozen=True)
class OrderData:
    order_ref: str
    seller_id: int
    buyer_id: int
    ship_from: dict  # address; "country" required
    ship_to: dict  # name, phone, line1, city, postcode, country
    lines: list[Item] = field(default_factory=list)
    currency: str | None = None  # the currency the buyer was charged shipping in
    lane_ids: list[int] | None = None  # the route quoted at checkout
    prefer: str = CHEAPEST


def _check(actor: Actor, order: OrderData) -> None:
    if not actor.is_operator and order.seller_id not in actor.org_ids:
        raise Forbidden("only the seller of the order or the hub operator creates its shipment")
    errors: dict[str, list[str]] = {}
    if not order.order_ref or len(order.order_ref) > 40:
        errors["order_ref"] = ["required, at most 40 characters"]
    for name in ("name", "phone", "line1", "city", "country"):
        if not str(order.ship_to.get(name, "")).strip():
            errors[f"ship_to.{name}"] = ["required"]
    if not order.ship_from.get("country"):
        errors["ship_from.country"] = ["required"]
    if not order.lines:
        errors["lines"] = ["at least one line"]
    for n, ln in enumerate(order.lines):
        if ln.quantity < 1 or ln.unit_weight_kg < 0 or ln.unit_value < 0:
            errors[f"lines[{n}]"] = ["quantity at least 1, weight and value not negative"]
    if errors:
        raise ValidationFailed("the order cannot be shipped as given", fields=errors)


_memo = threading.local()


@contextmanager
def network_memo() -> Iterator[None]:
    """Within the block, hubs and carriers are read once per set of codes: a batch of shipments
    (`fulfilment.accept_orders`) reads the network, which it does not change, once per route."""
    _memo.rows = {}
    try:
        yield
    finally:
        _memo.rows = None


def _hubs(codes: set[str]) -> dict[str, Hub]:
    return _network("hubs", codes, lambda: {h.code: h for h in Hub.objects.filter(code__in=codes)})


def _carriers(codes: set[str]) -> dict[str, Carrier]:
    return _network("carriers", codes, lambda: {c.code: c for c in Carrier.objects.select_related("organisation")
                                                .filter(code__in=codes)})


def _network(kind: str, codes: set[str], load) -> dict:
    rows = getattr(_memo, "rows", None)
    if rows is None:
        return load()
    key = (kind, frozenset(codes))
    if key not in rows:
        rows[key] = load()
    return rows[key]


def _leg_number(carrier: Carrier, kind: str, serial: int, hub_number: str) -> str:
    """The carrier's own number for the leg, in its format: S10 for the posts, the 10-digit waybill
    for DHL Express; the hub's number for line-haul by the hub itself or by sea (the parcel rides
    under the hub's number inside a bag on the master waybill or bill of lading)."""
    if carrier.code_table == POSTAL_TABLE:
        return s10(LEG_SERVICE[kind], serial, carrier.organisation.country if carrier.organisation else "XX")
    if carrier.code == "DHLX":
        return dhl_waybill(LEG_DIGIT[kind] * 10**8 + serial % 10**8)
    return hub_number


def _build(actor: Actor, order: OrderData, packed: list[PackedParcel], quote: ShippingQuote, on: date) -> Shipment:
    route = quote.route
    hubs = _hubs({leg.lane.to_hub or leg.lane.from_hub for leg in route.legs})
    origin_hub, dest_hub = hubs[route.legs[0].lane.to_hub], hubs[route.legs[-1].lane.from_hub]
    est = quote.estimate.days.to_integral_value(rounding=ROUND_CEILING)
    shipment = create(
        Shipment, tracking_no=f"tmp-{uuid.uuid4().hex[:24]}", order_ref=order.order_ref, seller_id=order.seller_id,
        buyer_id=order.buyer_id, origin_country=quote.origin, destination_country=quote.destination,
        origin_hub=origin_hub, destination_hub=dest_hub, ship_from=order.ship_from, ship_to=order.ship_to,
        quote=quote.as_dict(), estimated_delivery=on + timedelta(days=int(est)))
    shipment.tracking_no = s10("EW", shipment.pk, origin_hub.country)
    save_fields(shipment, ["tracking_no"])
    # the rows bulk_create writes, through statements made once per row count
    parcels = insert([
        Parcel(shipment=shipment, seq=n, tracking_no=f"tmp-{uuid.uuid4().hex[:24]}", weight_kg=p.weight_kg,
               length_cm=p.dimensions[0], width_cm=p.dimensions[1], height_cm=p.dimensions[2])
        for n, p in enumerate(packed, 1)])
    for p in parcels:
        p.tracking_no = s10("CW", p.pk, origin_hub.country)
        save_fields(p, ["tracking_no"])
    insert([
        ParcelItem(parcel=parcel, seq=i, sku=it.sku[:64], description=it.description[:200], quantity=it.quantity,
                   net_weight_kg=it.unit_weight_kg * it.quantity, value=it.unit_value * it.quantity,
                   currency=it.currency, hs_code=it.hs_code[:10], origin_country=it.origin)
        for parcel, p in zip(parcels, packed, strict=True) for i, it in enumerate(p.items, 1)])
    carriers = _carriers({leg.lane.carrier for leg in route.legs})
    insert([
        Leg(shipment=shipment, seq=n, kind=leg.lane.kind, lane_id=leg.lane.id, carrier=carriers[leg.lane.carrier],
            tracking_no=_leg_number(carriers[leg.lane.carrier], leg.lane.kind, shipment.pk, shipment.tracking_no),
            planned_days=leg.lane.transit_days)
        for n, leg in enumerate(route.legs, 1)])
    push_waybill(actor, shipment, parcels)
    audit.record(actor, "logistics.create_shipment", shipment,
                 after={"order_ref": order.order_ref, "tracking_no": shipment.tracking_no, "parcels": len(parcels),
                        "route": quote.as_dict()["route"], "price": str(quote.price.amount),
                        "currency": quote.price.currency})
    return shipment


def create_shipment(actor: Actor, order: OrderData, *, on: date | None = None, absent: bool = False) -> Shipment:
    """`absent`: the caller read in this transaction that the order has no forward shipment yet."""
    _check(actor, order)
    existing = None if absent else unique(Shipment.objects.filter(order_ref=order.order_ref,
                                                                  direction=Shipment.FORWARD))
    if existing is not None:
        return existing
    day = on or timezone.localdate()
    packed = pack(order.lines, MAX_PARCEL_KG)
    quote = quote_shipping([p.spec() for p in packed], order.ship_from["country"], order.ship_to["country"], on=day,
                           currency=order.currency, prefer=order.prefer, lane_ids=order.lane_ids)
    try:
        with transaction.atomic():
            return _build(actor, order, packed, quote, day)
    except IntegrityError:  # another request created it first (one forward shipment per order)
        existing = unique(Shipment.objects.filter(order_ref=order.order_ref, direction=Shipment.FORWARD))
        if existing is None:
            raise
        return existing


def tracking_numbers(order_refs: list[str]) -> dict[str, str]:
    """Order reference -> its forward shipment's tracking number, for the orders that have shipped."""
    return dict(Shipment.objects.filter(order_ref__in=order_refs, direction=Shipment.FORWARD)
                .values_list("order_ref", "tracking_no"))
