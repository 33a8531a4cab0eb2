"""Estimated delivery: the corridor's measured door-to-door time when there is enough history,
the route's planned leg days otherwise.

Not `transit.estimate_transit`, on purpose: checkout promises a time from order to door (shipment
created -> delivered, seller handling included), while a parcel on its way is measured from its
first pickup scan, which is what the buyer watching the timeline can count from."""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Min, Sum

from ewtp.logistics.models import Leg, Shipment, TrackingEvent

MIN_SAMPLES = 5  # fewer delivered shipments than this: the median says little, use the plan
RECENT = 200  # the corridor's most recent deliveries only: routes and carriers change
CACHE_SECONDS = 600


def corridor_days(origin_country: str, destination_country: str) -> float | None:
    """Median door-to-door days (first pickup scan to delivery) of the corridor's recent deliveries;
    kept a few minutes per corridor (it moves slowly and every tracking page asks for it)."""
    key = f"logistics:eta:{origin_country}:{destination_country}"
    cached = cache.get(key)
    if cached is None:
        days = _measure(origin_country, destination_country)
        cache.set(key, -1.0 if days is None else days, CACHE_SECONDS)
        return days
    return None if cached < 0 else cached


def _measure(origin_country: str, destination_country: str) -> float | None:
    # the most recent deliveries first, then their pickups: aggregating only those shipments' events
    recent = dict(Shipment.objects.filter(origin_country=origin_country, destination_country=destination_country,
                                          direction=Shipment.FORWARD, delivered_at__isnull=False)
                  .order_by("-delivered_at").values_list("id", "delivered_at")[:RECENT])
    picked = (TrackingEvent.objects.filter(shipment_id__in=list(recent), status="picked_up")
              .values("shipment_id").annotate(t=Min("occurred_at")).values_list("shipment_id", "t"))
    days = [(recent[sid] - t).total_seconds() / 86400 for sid, t in picked]
    if len(days) < MIN_SAMPLES:
        return None
    return statistics.median(days)


def planned_days(shipment: Shipment, legs: list[Leg] | None = None) -> Decimal:
    if legs is not None:
        return sum((leg.planned_days for leg in legs), Decimal(0))
    return shipment.legs.aggregate(d=Sum("planned_days"))["d"] or Decimal(0)


def estimate_delivery(shipment: Shipment, *, legs: list[Leg] | None = None,
                      events: list[TrackingEvent] | None = None) -> date | None:
    """The day the parcel should arrive: the delivery day once delivered; otherwise its pickup
    (or creation) plus the corridor's median days, or the sum of its legs' planned days. A page
    that already holds the legs and events passes them (no further queries for them)."""
    if shipment.delivered_at is not None:
        return shipment.delivered_at.date()
    days = corridor_days(shipment.origin_country, shipment.destination_country)
    if days is None:
        days = float(planned_days(shipment, legs))
        if days == 0:
            return shipment.estimated_delivery
    if events is not None:
        first = min((e.occurred_at for e in events if e.status == "picked_up"), default=None)
    else:
        first = shipment.events.filter(status="picked_up").aggregate(t=Min("occurred_at"))["t"]
    start: datetime = first or shipment.created_at
    return (start + timedelta(days=math.ceil(days * 2) / 2)).date()
