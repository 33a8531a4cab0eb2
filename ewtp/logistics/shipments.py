"""Creating the shipment of a seller order from plain order data (logistics never imports the
marketplace): the lines are packed into parcels, the route quoted at checkout (or, if it is no
longer sold, the preferred one now) becomes legs with each carrier's tracking number, and the
waybill goes to customs — all in one transaction. Idempotent per order reference."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import insert, insert_values
from ewtp.core.errors import Forbidden, ValidationFailed
from ewtp.core.orm import unique
from ewtp.customs import intake
from ewtp.customs.models import TradeDocument
from ewtp.logistics.models import Carrier, Hub, Lane, Leg, Parcel, ParcelItem, Shipment
from ewtp.logistics.packing import MAX_PARCEL_KG, Item, PackedParcel, pack
from ewtp.logistics.quote import ShippingQuote, quote_shipping
from ewtp.logistics.routing import CHEAPEST
from ewtp.logistics.s10 import dhl_waybill, s10
from ewtp.logistics.waybill import push_waybill

POSTAL_TABLE = "upu_emsevt"
LEG_SERVICE = {Lane.FIRST_MILE: "CF", Lane.LINE_HAUL: "CH", Lane.LAST_MILE: "CL"}  # per leg kind, in S10's C range
T = TypeVar("T")
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
    return remembered(kind, frozenset(codes), load)


def remembered(kind: str, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, once per (kind, key) within `network_memo` (the network does not change there)."""
    rows = getattr(_memo, "rows", None)
    if rows is None:
        return load()
    if (kind, key) not in rows:
        rows[kind, key] = load()
    return rows[kind, key]


def _leg_number(carrier: Carrier, kind: str, serial: int, hub_number: str) -> str:
    """The carrier's own number for the leg, in its format: S10 for the posts, the 10-digit waybill
    for DHL Express; the hub's number for line-haul by the hub itself or by sea (the parcel rides
    under the hub's number inside a bag on the master waybill or bill of lading)."""
    if carrier.code_table == POSTAL_TABLE:
        return s10(LEG_SERVICE[kind], serial, carrier.organisation.country if carrier.organisation else "XX")
    if carrier.code == "DHLX":
        return dhl_waybill(LEG_DIGIT[kind] * 10**8 + serial % 10**8)
    return hub_number


@dataclass(frozen=True)
class Planned:
    """A shipment checked and priced, nothing written yet (`plan_shipment`)."""

    actor: Actor
    order: OrderData
    packed: list[PackedParcel]
    quote: ShippingQuote
    on: date


@dataclass(frozen=True)
class Written:
    """A planned shipment's rows (`write_shipments`), its waybill and audit entry still to come."""

    planned: Planned
    shipment: Shipment
    parcels: list[Parcel]


def plan_shipment(actor: Actor, order: OrderData, *, on: date | None = None) -> Planned:
    """The checks, packing and quote of `create_shipment` for an order without a shipment, writing
    nothing: a refusal (bad order data, no route) is raised here."""
    _check(actor, order)
    return _plan(actor, order, on)


def _plan(actor: Actor, order: OrderData, on: date | None) -> Planned:
    day = on or timezone.localdate()
    packed = pack(order.lines, MAX_PARCEL_KG)
    quote = quote_shipping([p.spec() for p in packed], order.ship_from["country"], order.ship_to["country"], on=day,
                           currency=order.currency, prefer=order.prefer, lane_ids=order.lane_ids)
    return Planned(actor, order, packed, quote, day)


_ROWS = 100  # rows per INSERT: under SQLite's bound-parameter limit, and few statement shapes


def _insert(objs: list) -> None:
    for i in range(0, len(objs), _ROWS):
        insert(objs[i:i + _ROWS])


_ITEM_FIELDS = ("parcel_id", "seq", "sku", "description", "quantity", "net_weight_kg", "value", "currency", "hs_code",
                "origin_country")
_LEG_FIELDS = ("shipment_id", "seq", "kind", "lane_id", "carrier_id", "tracking_no", "planned_days", "started_at",
               "finished_at")


def _set_tracking(rows: list[Shipment] | list[Parcel]) -> None:
    """Each row's final tracking number (made from its id) in one statement run for every row."""
    if not rows:
        return
    qn = connection.ops.quote_name
    opts = type(rows[0])._meta
    sql = (f"UPDATE {qn(opts.db_table)} SET {qn(opts.get_field('tracking_no').column)} = %s "  # noqa: S608
           f"WHERE {qn(opts.pk.column)} = %s")
    with connection.cursor() as cur:
        cur.executemany(sql, [(r.tracking_no, r.pk) for r in rows])


def write_shipments(planned: list[Planned]) -> list[Written]:
    """The rows of planned shipments — shipment, parcels with their items and tracking numbers,
    legs with each carrier's number — in multi-row statements: every table gets the rows one by
    one would give it, in the same order (so the same ids). No waybill and no audit entry yet:
    `finish_shipment` each, in order."""
    routes = [p.quote.route for p in planned]
    hubs = [_hubs({leg.lane.to_hub or leg.lane.from_hub for leg in route.legs}) for route in routes]
    origin = [h[route.legs[0].lane.to_hub] for h, route in zip(hubs, routes, strict=True)]
    shipments = []
    for p, h, route, origin_hub in zip(planned, hubs, routes, origin, strict=True):
        est = p.quote.estimate.days.to_integral_value(rounding=ROUND_CEILING)
        shipments.append(Shipment(
            tracking_no=f"tmp-{uuid.uuid4().hex[:24]}", order_ref=p.order.order_ref, seller_id=p.order.seller_id,
            buyer_id=p.order.buyer_id, origin_country=p.quote.origin, destination_country=p.quote.destination,
            origin_hub=origin_hub, destination_hub=h[route.legs[-1].lane.from_hub], ship_from=p.order.ship_from,
            ship_to=p.order.ship_to, quote=p.quote.as_dict(), estimated_delivery=p.on + timedelta(days=int(est))))
    _insert(shipments)
    for shipment, origin_hub in zip(shipments, origin, strict=True):
        shipment.tracking_no = s10("EW", shipment.pk, origin_hub.country)
    _set_tracking(shipments)
    parcels = [[Parcel(shipment=shipment, seq=n, tracking_no=f"tmp-{uuid.uuid4().hex[:24]}", weight_kg=pp.weight_kg,
                       length_cm=pp.dimensions[0], width_cm=pp.dimensions[1], height_cm=pp.dimensions[2])
                for n, pp in enumerate(p.packed, 1)] for p, shipment in zip(planned, shipments, strict=True)]
    every = [parcel for ps in parcels for parcel in ps]
    _insert(every)
    for ps, origin_hub in zip(parcels, origin, strict=True):
        for parcel in ps:
            parcel.tracking_no = s10("CW", parcel.pk, origin_hub.country)
    _set_tracking(every)
    # the items and legs as plain values (nobody gets their instances back): no model instance
    # per row; the same fields, values and order as the instances gave
    insert_values(ParcelItem, _ITEM_FIELDS, [
        (parcel.pk, i, it.sku[:64], it.description[:200], it.quantity, it.unit_weight_kg * it.quantity,
         it.unit_value * it.quantity, it.currency, it.hs_code[:10], it.origin)
        for p, ps in zip(planned, parcels, strict=True)
        for parcel, pp in zip(ps, p.packed, strict=True) for i, it in enumerate(pp.items, 1)])
    legs: list[tuple] = []
    for route, shipment in zip(routes, shipments, strict=True):
        carriers = _carriers({leg.lane.carrier for leg in route.legs})
        legs += [(shipment.pk, n, leg.lane.kind, leg.lane.id, carriers[leg.lane.carrier].pk,
                  _leg_number(carriers[leg.lane.carrier], leg.lane.kind, shipment.pk, shipment.tracking_no),
                  leg.lane.transit_days, None, None)
                 for n, leg in enumerate(route.legs, 1)]
    insert_values(Leg, _LEG_FIELDS, legs)
    return [Written(p, s, ps) for p, s, ps in zip(planned, shipments, parcels, strict=True)]


def at_customs(order_refs: list[str]) -> set[str]:
    """Those of the orders whose order document customs holds: the only ones whose new shipment
    `push_waybill` pushes a waybill for (the others' go later, through `waybill.push_pending`)."""
    return intake.holding(order_refs, TradeDocument.ORDER)


def finish_shipment(written: Written, *, order_at_customs: bool = True) -> Shipment:
    """A written shipment's waybill to customs and its audit entry, as `create_shipment` ends.
    `order_at_customs=False`: the caller read in this transaction (`at_customs`) that customs has
    no order document for it, so `push_waybill` would find nothing to match and push nothing."""
    actor, order, quote, shipment = (written.planned.actor, written.planned.order, written.planned.quote,
                                     written.shipment)
    if order_at_customs:
        push_waybill(actor, shipment, written.parcels)
    audit.record(actor, "logistics.create_shipment", shipment,
                 after={"order_ref": order.order_ref, "tracking_no": shipment.tracking_no,
                        "parcels": len(written.parcels), "route": shipment.quote["route"],
                        "price": str(quote.price.amount), "currency": quote.price.currency})
    return shipment


def create_shipment(actor: Actor, order: OrderData, *, on: date | None = None, absent: bool = False) -> Shipment:
    """`absent`: the caller read in this transaction that the order has no forward shipment yet."""
    _check(actor, order)
    existing = None if absent else unique(Shipment.objects.filter(order_ref=order.order_ref,
                                                                  direction=Shipment.FORWARD))
    if existing is not None:
        return existing
    planned = _plan(actor, order, on)
    try:
        with transaction.atomic():
            return finish_shipment(write_shipments([planned])[0])
    except IntegrityError:  # another request created it first (one forward shipment per order)
        existing = unique(Shipment.objects.filter(order_ref=order.order_ref, direction=Shipment.FORWARD))
        if existing is None:
            raise
        return existing


def tracking_numbers(order_refs: list[str]) -> dict[str, str]:
    """Order reference -> its forward shipment's tracking number, for the orders that have shipped."""
    return dict(Shipment.objects.filter(order_ref__in=order_refs, direction=Shipment.FORWARD)
                .values_list("order_ref", "tracking_no"))
