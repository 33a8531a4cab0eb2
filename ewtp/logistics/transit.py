"""Transit-time estimates from measured corridor times: the median door-to-door days of the
corridor's shipments delivered in the last 180 days, once there are enough of them to mean
something; until then the published days of the lanes on the route."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from ewtp.logistics.models import Shipment
from ewtp.logistics.rates import ParcelSpec
from ewtp.logistics.routing import CHEAPEST, best, routes
from ewtp.logistics.snapshot import generation, memo, network_on

MIN_SAMPLES = 5
WINDOW = timedelta(days=180)
_DAY = Decimal(86400)


@dataclass(frozen=True, slots=True)
class TransitEstimate:
    days: Decimal
    basis: str  # "measured" | "published"
    samples: int  # delivered shipments measured (0 when published)

    def as_dict(self) -> dict:
        return {"days": str(self.days), "basis": self.basis, "samples": self.samples}


def _measure(on: date) -> dict[tuple[str, str], tuple[Decimal, int]]:
    end = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    rows = (Shipment.objects.filter(direction=Shipment.FORWARD, delivered_at__isnull=False,
                                    delivered_at__gte=end - WINDOW, delivered_at__lt=end)
            .values_list("origin_country", "destination_country", "created_at", "delivered_at"))
    days: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for origin, dest, created, delivered in rows.iterator():
        days[(origin, dest)].append(Decimal((delivered - created).total_seconds()) / _DAY)
    return {k: (Decimal(statistics.median(v)).quantize(Decimal("0.1"), ROUND_HALF_UP), len(v))
            for k, v in days.items()}


def corridor_medians(on: date) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """{(origin, destination): (median days, samples)}, cached for the day like the network."""
    return memo(f"logistics:transit:{generation()}:{on.isoformat()}", lambda: _measure(on))


def estimate_transit(origin_country: str, destination_country: str, *, published: Decimal | None = None,
                     on: date | None = None, medians: dict[tuple[str, str], tuple[Decimal, int]] | None = None,
                     ) -> TransitEstimate | None:
    """Measured median when the corridor has MIN_SAMPLES deliveries; else `published` (the route's
    lane days) or, if not given, the published days of the cheapest route; None without a route.
    `medians`: `corridor_medians(on)` as the caller has just looked it up."""
    day = on or timezone.localdate()
    if medians is None:
        medians = corridor_medians(day)
    median, n = medians.get((origin_country, destination_country), (Decimal(0), 0))
    if n >= MIN_SAMPLES:
        return TransitEstimate(median, "measured", n)
    if published is None:
        found = routes(network_on(day), origin_country, destination_country, [ParcelSpec(Decimal(1))])
        if not found:
            return None
        published = best(found, CHEAPEST, "EUR", day).transit_days
    return TransitEstimate(published, "published", 0)
