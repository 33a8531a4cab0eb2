"""The route picture on the tracking page: the shipment's stops (seller's country, hubs, buyer's
country) placed by their coordinates, its legs as lines, and where the parcel is now.

Plain geometry for an inline SVG (no map tiles, nothing fetched): an equirectangular projection
of the route's bounding box, with longitudes shrunk by the cosine of the mean latitude so
distances look right, fitted into a fixed width."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ewtp.logistics import places
from ewtp.logistics.models import Hub, Leg, TrackingEvent

WIDTH, MIN_H, MAX_H, PAD = 640, 180, 340, 40


@dataclass
class Stop:
    label: str  # hub code or country code
    title: str  # hub name or place, for the tooltip
    lat: float
    lon: float
    hub: bool
    x: float = 0
    y: float = 0
    here: bool = False


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str
    mode: str
    state: str  # done, current, planned


@dataclass
class RouteMap:
    width: int
    height: int
    stops: list[Stop]
    lines: list[Line] = field(default_factory=list)
    marker: tuple[float, float] | None = None  # the parcel, when it is between two stops


def _hub_stop(hub: Hub) -> Stop:
    return Stop(hub.code, hub.name, float(hub.latitude), float(hub.longitude), True)


def _country_stop(country: str, near: Hub | None) -> Stop:
    p = places.place(country)
    if p is not None:
        return Stop(country, p.name, p.latitude, p.longitude, False)
    # no point for the country: draw it just beside its hub so the leg is still visible
    lat, lon = (float(near.latitude), float(near.longitude)) if near else (0.0, 0.0)
    return Stop(country, country, lat - 1.5, lon + 1.5, False)


def stops_of(legs: list[Leg]) -> list[Stop]:
    """First leg's start, then every leg's end (legs come in route order)."""
    out: list[Stop] = []
    for leg in legs:
        lane = leg.lane
        if not out:
            out.append(_hub_stop(lane.from_hub) if lane.from_hub_id else _country_stop(lane.from_country, lane.to_hub))
        out.append(_hub_stop(lane.to_hub) if lane.to_hub_id else _country_stop(lane.to_country, lane.from_hub))
    return out


def position(legs: list[Leg], stops: list[Stop], events: list[TrackingEvent]) -> tuple[str, int]:
    """Where the parcel is: ("stop", i) at stop i, or ("leg", k) travelling on leg k."""
    known = [e for e in events if e.status]
    if not known:
        return "stop", 0
    last = known[-1]  # events come in time order
    if last.status == "delivered":
        return "stop", len(stops) - 1
    for i, s in enumerate(stops):
        if s.hub and s.label == last.location:
            # departed from the hub: on the leg that starts there
            return ("leg", i) if last.status == "in_transit" and i < len(legs) else ("stop", i)
    if last.status == "info_received":
        return "stop", 0
    seq = {leg.pk: k for k, leg in enumerate(legs)}
    on_leg = [e for e in known if e.leg_id in seq]
    return ("leg", seq[on_leg[-1].leg_id]) if on_leg else ("stop", 0)


def route_map(legs: list[Leg], events: list[TrackingEvent]) -> RouteMap | None:
    stops = stops_of(legs)
    if len(stops) < 2:
        return None
    lat0 = sum(s.lat for s in stops) / len(stops)
    shrink = max(math.cos(math.radians(lat0)), 0.2)
    xs = [s.lon * shrink for s in stops]
    ys = [s.lat for s in stops]
    span_x, span_y = max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6)
    scale = (WIDTH - 2 * PAD) / span_x
    height = int(min(max(span_y * scale + 2 * PAD, MIN_H), MAX_H))
    scale = min(scale, (height - 2 * PAD) / span_y)
    off_x = (WIDTH - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2
    for s, x, y in zip(stops, xs, ys, strict=True):
        s.x = round(off_x + (x - min(xs)) * scale, 1)
        s.y = round(off_y + (max(ys) - y) * scale, 1)
    where, idx = position(legs, stops, events)
    result = RouteMap(WIDTH, height, stops)
    for k, leg in enumerate(legs):
        a, b = stops[k], stops[k + 1]
        if where == "leg":
            state = "done" if k < idx else "current" if k == idx else "planned"
        else:
            state = "done" if k < idx else "planned"
        result.lines.append(Line(a.x, a.y, b.x, b.y, leg.kind, leg.lane.mode, state))
    if where == "stop":
        stops[idx].here = True
    else:
        a, b = stops[idx], stops[idx + 1]
        result.marker = (round((a.x + b.x) / 2, 1), round((a.y + b.y) / 2, 1))
    return result
