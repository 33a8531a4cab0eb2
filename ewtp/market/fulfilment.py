"""Fulfilment: when the seller accepts a paid order, the order becomes `accepted` and its shipment
is created (parcels, legs, tracking numbers, the waybill for customs) in the same transaction —
an accepted order always has a shipment, and a refused shipment leaves the order paid."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.fields.json import KT, KeyTransform
from django.utils import timezone

from ewtp.core.actor import Actor
from ewtp.core.errors import AppError
from ewtp.core.orm import chunks
from ewtp.logistics.models import Shipment
from ewtp.logistics.packing import Item
from ewtp.logistics.routing import CHEAPEST
from ewtp.logistics.shipments import (
    OrderData,
    Planned,
    at_customs,
    create_shipment,
    finish_shipment,
    network_memo,
    plan_shipment,
    write_shipments,
)
from ewtp.market import orders
from ewtp.market.models import Order, OrderLine, SellerProfile

PRIVATE = {"id_name", "id_number"}  # the CBEC identity stays with the order; carriers do not need it


# the parts of the frozen quote logistics reads, annotated by `accept_orders` (the quote is large)
FROZEN = {"frozen_currency": KT("snapshot__seller_currency"), "frozen_prefer": KT("snapshot__shipping_quote__prefer"),
          "frozen_lanes": KeyTransform("lane_ids", KeyTransform("shipping_quote", "snapshot"))}


# what the batch reads of its orders and lines (the checks, `order_data`): the frozen quote, the
# money fields and the variants' other columns are not read (each decimal costs a conversion)
ORDER_READS = ("group", "group__destination", "seller", "buyer", "reference", "state")
LOCKED_READS = tuple(dict.fromkeys(ORDER_READS + orders.BATCH_READS))  # and what transition_many reads
# a line as a packing Item, in Item's field order (the batch reads them as tuples: it never
# writes a line, and an OrderLine and its Variant each cost a model instance)
ITEM_READS = ("variant__sku", "title", "quantity", "variant__weight_kg", "unit_price", "seller_currency", "hs_code",
              "origin")


def _frozen(order: Order) -> dict:
    """What `order_data` reads of the frozen quote: the annotated parts when they are all there as
    the quote holds them, else the quote itself."""
    cur, prefer, lanes = (getattr(order, name, None) for name in FROZEN)
    if isinstance(cur, str) and isinstance(prefer, str) and isinstance(lanes, list):
        return {"seller_currency": cur, "shipping_quote": {"lane_ids": lanes, "prefer": prefer}}
    return order.snapshot


def order_data(order: Order, profile: SellerProfile | None = None, items: list[Item] | None = None) -> OrderData:
    """The plain data logistics needs, from the order as placed (lines, address, route quoted).
    A batch passes the seller's profile and the lines as items (in pk order) it read at once."""
    profile = profile or SellerProfile.objects.get(organisation_id=order.seller_id)
    snap = _frozen(order)
    quoted = snap.get("shipping_quote", {})
    if items is None:
        items = _items([order.pk])[order.pk]
    return OrderData(
        order_ref=order.reference, seller_id=order.seller_id, buyer_id=order.buyer_id,
        ship_from={"name": profile.legal_name, "line1": profile.address[:200], "country": profile.country},
        ship_to={k: v for k, v in order.group.destination.items() if k not in PRIVATE}, lines=items,
        currency=snap.get("seller_currency"), lane_ids=quoted.get("lane_ids"), prefer=quoted.get("prefer", CHEAPEST))


def _items(order_ids: list[int]) -> dict[int, list[Item]]:
    """The orders' lines as packing items, each order's in line-id order (one query per 500 orders)."""
    found: dict[int, list[Item]] = {pk: [] for pk in order_ids}
    for part in chunks(sorted(set(order_ids))):
        for order_id, *item in (OrderLine.objects.filter(order_id__in=part).order_by("pk")
                                .values_list("order_id", *ITEM_READS)):
            found[order_id].append(Item(*item))
    return found


def accept_order(actor: Actor, order_id: int) -> tuple[Order, Shipment]:
    with transaction.atomic():
        order = orders.transition(actor, order_id, Order.ACCEPTED)
        order = Order.objects.select_related("group").get(pk=order.pk)
        shipment = create_shipment(actor, order_data(order))
    return order, shipment


class _Redo(Exception):
    """The batch's prepared shipments did not match what its moves did: roll them back and go one by one."""


_EXISTS = object()  # a move whose order has its forward shipment already (create_shipment answers it)


def accept_orders(accepts: list[tuple[Actor, int]]) -> list[tuple[Order, Shipment] | AppError]:
    """A batch of `accept_order` [(seller, order id)], each in its own savepoint as one by one (a
    refused one gives its error in its place and leaves its order paid): the orders' groups,
    lines and sellers' profiles are read once for the batch, the hubs and carriers once per
    route, the transitions go through `orders.transition_many`, and which orders have a shipment
    already is read in one query.

    The shipments' rows are written together: each move is checked and its shipment planned
    (checked, packed, quoted) first, writing nothing; the planned shipments' rows go in with
    multi-row statements (the same rows and ids as one by one); then the moves are made, each
    pushing its waybill and recording its audit entry after the order's, as one by one. Should a
    move then be refused after all (its waybill refused by customs, an order changed meanwhile),
    all of that is rolled back and the batch runs one by one."""
    with transaction.atomic():
        # locked as transition_many locks them (id order, 500 a query): the moves take these
        loaded: dict[int, Order] = {}
        lean = Order.objects.select_for_update().select_related("group").only(*LOCKED_READS).annotate(**FROZEN)
        for part in chunks(sorted({pk for _, pk in accepts})):
            loaded.update(lean.in_bulk(part))
        items = _items(list(loaded))
        profiles = {p.organisation_id: p for p in SellerProfile.objects.filter(
            organisation_id__in={o.seller_id for o in loaded.values()})}
        shipped = set(Shipment.objects.filter(order_ref__in=[o.reference for o in loaded.values()],
                                              direction=Shipment.FORWARD).values_list("order_ref", flat=True))
        with network_memo():
            try:
                with transaction.atomic():
                    return _together(accepts, loaded, items, profiles, set(shipped))
            except (_Redo, IntegrityError, AppError):  # AppError: a move without savepoint refused
                return _one_by_one(accepts, loaded, items, profiles, shipped)


def _data(loaded: dict[int, Order], items: dict[int, list[Item]], profiles: dict[int, SellerProfile],
          pk: int) -> OrderData:
    placed = loaded[pk]
    return order_data(placed, profiles.get(placed.seller_id), items[pk])


def _together(accepts: list[tuple[Actor, int]], loaded: dict[int, Order], items: dict[int, list[Item]],
              profiles: dict[int, SellerProfile], shipped: set[str]) -> list[tuple[Order, Shipment] | AppError]:
    plans: dict[int, Planned | AppError | object] = {}  # by move
    today = timezone.localdate()  # the batch's day, read once: its orders are accepted at one moment
    before = {pk: o.state for pk, o in loaded.items()}
    try:
        for i, (actor, pk) in enumerate(accepts):
            order = loaded.get(pk)
            try:
                # refused: transition_many refuses it the same way, before its shipment is asked for
                orders.check_transition(actor, order, Order.ACCEPTED)
            except AppError:
                continue
            try:
                data = _data(loaded, items, profiles, pk)
                plans[i] = _EXISTS if order.reference in shipped else plan_shipment(actor, data, on=today)
            except AppError as err:  # as create_shipment raises it in the move: the order stays paid
                plans[i] = err
                continue
            shipped.add(order.reference)
            order.state = Order.ACCEPTED  # as the move leaves it for a later move of the same order
    finally:
        for pk, state in before.items():
            loaded[pk].state = state
    planned = [(i, p) for i, p in plans.items() if isinstance(p, Planned)]
    written = dict(zip([i for i, _ in planned], write_shipments([p for _, p in planned]), strict=True))
    # one query for the batch instead of one per shipment: no move pushes an order document
    customs_has = at_customs([w.planned.order.order_ref for w in written.values()])
    shipments: dict[int, Shipment] = {}

    def ship(i: int, actor: Actor, order: Order) -> None:
        placed = loaded[order.pk]
        order.group = placed.group
        plan = plans.get(i)
        if isinstance(plan, AppError):
            raise plan
        if i in written:
            shipments[order.pk] = finish_shipment(written[i],
                                                  order_at_customs=written[i].planned.order.order_ref in customs_has)
            del written[i]  # only once finished: a refused waybill leaves it here, and the batch redone
        else:  # its shipment exists (create_shipment answers it), or a move not foreseen
            shipments[order.pk] = create_shipment(actor, _data(loaded, items, profiles, order.pk))

    # a move with its rows written needs no savepoint: should its waybill be refused, the refusal
    # is raised out of transition_many and the whole batch goes one by one (accept_orders)
    results = orders.transition_many([
        orders.Move(actor, pk, Order.ACCEPTED, then=lambda order, i=i, actor=actor: ship(i, actor, order),
                    savepoint=i not in written)
        for i, (actor, pk) in enumerate(accepts)], locked_orders=loaded)
    if written:  # a move with rows written was refused after all
        raise _Redo
    return [r if isinstance(r, AppError) else (r, shipments[r.pk]) for r in results]


def _one_by_one(accepts: list[tuple[Actor, int]], loaded: dict[int, Order], items: dict[int, list[Item]],
                profiles: dict[int, SellerProfile], shipped: set[str]) -> list[tuple[Order, Shipment] | AppError]:
    shipments: dict[int, Shipment] = {}

    def ship(actor: Actor, order: Order) -> None:
        placed = loaded[order.pk]
        order.group = placed.group
        shipments[order.pk] = create_shipment(actor, _data(loaded, items, profiles, order.pk),
                                              absent=placed.reference not in shipped)
        shipped.add(placed.reference)

    results = orders.transition_many([
        orders.Move(actor, pk, Order.ACCEPTED, then=lambda order, actor=actor: ship(actor, order))
        for actor, pk in accepts])
    return [r if isinstance(r, AppError) else (r, shipments[r.pk]) for r in results]
