"""The order follows its forward shipment (polling the logistics records): picked up -> `shipped`;
delivered -> `delivered` and the escrow's release countdown starts at the delivery time."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.errors import AppError
from ewtp.logistics.models import Shipment, TrackingEvent
from ewtp.market.models import Order
from ewtp.market.orders import Move, transition_many
from ewtp.payments import escrow
from ewtp.payments.models import Escrow

# A carrier has the parcel in hand: any of these statuses (an `exception` alone may come before
# pickup, e.g. a bad address at pre-advice, so it does not count).
HANDED_OVER = ["picked_up", "in_transit", "at_hub", "customs_hold", "customs_cleared", "out_for_delivery",
               "delivered", "delivery_failed", "returned_to_sender"]


def sync_shipments(actor: Actor = SYSTEM, limit: int = 10_000) -> tuple[int, int]:
    """The order follows its (forward) shipment: picked up -> `shipped` (from `accepted`); delivered
    -> `delivered` and the escrow's release countdown starts at the delivery time. The order machine
    needs `cleared` before `delivered`: customs release moves shipped -> cleared (customs' poll), so a
    parcel delivered while its order is still `shipped` waits here until customs has released it.
    Each step moves its orders in one batch of transitions (a refused one is left for the next
    run). Idempotent; returns (shipped, delivered)."""
    # each step starts from the orders in its state (indexed, few) and tests each one's shipment
    # (correlated): an IN list of every shipment ever moved or delivered grows with the hub's history
    moving = Exists(TrackingEvent.objects.filter(status__in=HANDED_OVER, shipment__direction=Shipment.FORWARD,
                                                 shipment__order_ref=OuterRef("reference")))
    to_ship = list(Order.objects.filter(moving, state=Order.ACCEPTED).order_by("pk").values_list("pk", flat=True)[:limit])
    shipped = transition_many([Move(actor, order_id, Order.SHIPPED, "picked up by the carrier") for order_id in to_ship])
    done = Shipment.objects.filter(direction=Shipment.FORWARD, delivered_at__isnull=False)
    arrived = Exists(done.filter(order_ref=OuterRef("reference")))
    to_deliver = list(Order.objects.filter(arrived, state=Order.CLEARED).order_by("pk")
                      .values_list("pk", "reference")[:limit])
    at = _delivered_at(done, [ref for _, ref in to_deliver])
    with transaction.atomic():  # an order is delivered together with its escrow's countdown
        delivered = transition_many([Move(actor, order_id, Order.DELIVERED, "delivered by the carrier")
                                     for order_id, _ in to_deliver])
        # an order without escrow (nothing was paid through the hub) has no countdown to start
        escrow.mark_delivered_many(actor, [(ref, at[ref]) for (_, ref), r in zip(to_deliver, delivered, strict=True)
                                           if not isinstance(r, AppError)])
    # repair: an order delivered whose escrow has not heard of it (e.g. a crash in between)
    unaware = Exists(Escrow.objects.filter(delivered_at__isnull=True, order_ref=OuterRef("reference")))
    late = list(Order.objects.filter(arrived, unaware, state=Order.DELIVERED).order_by("pk")
                .values_list("reference", flat=True)[:limit])
    at = _delivered_at(done, late)
    escrow.mark_delivered_many(actor, [(ref, at[ref]) for ref in late])
    return _moved(shipped), _moved(delivered)


def _moved(results: list) -> int:
    return sum(not isinstance(r, AppError) for r in results)


def _delivered_at(done, refs: list[str]) -> dict:
    return dict(done.filter(order_ref__in=refs).values_list("order_ref", "delivered_at")) if refs else {}

