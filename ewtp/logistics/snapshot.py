"""The network as plain data for one day: active lanes with the rate table in force, indexed for
routing. Built in three queries and cached (per day, for ten minutes, and dropped whenever the network is
loaded), so pricing a checkout does not query per seller or per parcel."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Q

from ewtp.logistics.models import Lane, RateTable
from ewtp.logistics.rates import Break, Table, in_force

CACHE_SECONDS = 600
_GEN_KEY = "logistics:network:gen"
_LOCAL_MAX = 64
_local: dict[str, tuple[float, Any]] = {}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LaneInfo:
    id: int
    kind: str
    mode: str
    carrier: str  # carrier code
    carrier_name: str
    from_hub: str  # hub code or ""
    to_hub: str
    from_country: str
    to_country: str
    transit_days: Decimal
    table: Table


@dataclass
class Network:
    on: date
    first_mile: dict[str, list[LaneInfo]] = field(default_factory=lambda: defaultdict(list))  # origin country
    line_haul: dict[tuple[str, str], list[LaneInfo]] = field(default_factory=lambda: defaultdict(list))
    last_mile: dict[str, list[LaneInfo]] = field(default_factory=lambda: defaultdict(list))  # destination country
    lanes: dict[int, LaneInfo] = field(default_factory=dict)

    def add(self, lane: LaneInfo) -> None:
        self.lanes[lane.id] = lane
        if lane.kind == Lane.FIRST_MILE:
            self.first_mile[lane.from_country].append(lane)
        elif lane.kind == Lane.LINE_HAUL:
            self.line_haul[(lane.from_hub, lane.to_hub)].append(lane)
        else:
            self.last_mile[lane.to_country].append(lane)


def _open_last(b) -> tuple:
    # the model orders by max_kg, and databases disagree on where NULL (the open break) sorts
    return (b.max_kg is None, b.max_kg or 0)


def _build(on: date) -> Network:
    tables: dict[int, list[Table]] = defaultdict(list)
    live = (RateTable.objects.filter(lane__active=True, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).prefetch_related("breaks"))
    for t in live:
        tables[t.lane_id].append(Table(t.pk, t.currency, t.effective_from, t.effective_to, t.volumetric_divisor,
                                       t.source, tuple(Break(b.max_kg, b.price, b.per_kg) for b in sorted(t.breaks.all(), key=_open_last))))
    net = Network(on)
    for lane in Lane.objects.filter(active=True).select_related("carrier", "from_hub", "to_hub").order_by("pk"):
        table = in_force(tables.get(lane.pk, []), on)
        if table is None:  # no rates that day: the lane cannot be sold
            continue
        net.add(LaneInfo(lane.pk, lane.kind, lane.mode, lane.carrier.code, lane.carrier.name,
                         lane.from_hub.code if lane.from_hub_id else "", lane.to_hub.code if lane.to_hub_id else "",
                         lane.from_country, lane.to_country, lane.transit_days, table))
    return net


def generation() -> str:
    # random, not a counter: after a cache flush no process can mistake an old memo for a current one
    return cache.get_or_set(_GEN_KEY, lambda: uuid.uuid4().hex, timeout=None)


def memo(key: str, build: Callable[[], T]) -> T:
    """`build()` cached under `key` for CACHE_SECONDS: in this process as the object itself
    (unpickling the network on every quote would cost more than the quote), and in the shared cache."""
    now = time.monotonic()
    hit = _local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[key] = (now + CACHE_SECONDS, value)
    return value


def network_on(on: date) -> Network:
    return memo(f"logistics:network:{generation()}:{on.isoformat()}", lambda: _build(on))


def forget() -> None:
    """Make every cached day unreachable (a new generation) after the network or its rates changed."""
    cache.set(_GEN_KEY, uuid.uuid4().hex, timeout=None)
