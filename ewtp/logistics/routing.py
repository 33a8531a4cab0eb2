"""Routes through the network: first mile (origin country -> a hub), at most one line-haul
(hub -> hub, when the hubs differ) and last mile (hub -> destination country). Each leg is priced
in its carrier's currency: first and last mile per parcel, line-haul on the consignment's total
chargeable weight (the hub consolidates it with other parcels onto one flight or vessel)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from weakref import ref

from ewtp.core.money import Money
from ewtp.logistics.models import Lane
from ewtp.logistics.rates import ParcelSpec, chargeable_kg, price_for
from ewtp.logistics.snapshot import LaneInfo, Network
from ewtp.rules.fx import ecb_rate

CHEAPEST, FASTEST = "cheapest", "fastest"


@dataclass(frozen=True, slots=True)
class PricedLeg:
    lane: LaneInfo
    chargeable_kg: Decimal
    price: Money  # in the rate table's (the carrier's) currency


@dataclass(frozen=True, slots=True)
class Route:
    legs: tuple[PricedLeg, ...]

    @property
    def transit_days(self) -> Decimal:
        return sum((leg.lane.transit_days for leg in self.legs), Decimal(0))

    @property
    def lane_ids(self) -> list[int]:
        return [leg.lane.id for leg in self.legs]


def price_leg(lane: LaneInfo, parcels: list[ParcelSpec]) -> PricedLeg | None:
    table = lane.table
    if lane.kind == Lane.LINE_HAUL:
        kg = sum((chargeable_kg(p, table.divisor) for p in parcels), Decimal(0))
        total = price_for(table, kg)
    else:
        kgs = [chargeable_kg(p, table.divisor) for p in parcels]
        prices = [price_for(table, k) for k in kgs]
        if any(p is None for p in prices):
            return None
        kg, total = sum(kgs, Decimal(0)), sum(prices, Decimal(0))  # type: ignore[arg-type]
    if total is None:
        return None
    return PricedLeg(lane, kg, Money(total, table.currency).rounded())


def candidate_lanes(net: Network, origin: str, destination: str) -> list[list[LaneInfo]]:
    out = []
    for first in net.first_mile.get(origin, []):
        for last in net.last_mile.get(destination, []):
            if first.to_hub == last.from_hub:
                out.append([first, last])
            else:
                out.extend([first, haul, last] for haul in net.line_haul.get((first.to_hub, last.from_hub), []))
    return out


_MEMO_MAX = 20_000  # answers remembered per network (a long-lived server stays bounded)
_memo = threading.local()  # (the network, {key: answer}) per thread


def network_memo(net: Network) -> dict:
    """A dict for answers that are pure functions of this network object (and of their key): the
    day's network (`snapshot.network_on`) is built once, never changed, and replaced by a new
    object when the network or its rates change. Emptied when it grows past _MEMO_MAX."""
    held = getattr(_memo, "held", None)
    if held is None or held[0]() is not net:
        held = _memo.held = (ref(net), {})
    if len(held[1]) >= _MEMO_MAX:
        held[1].clear()
    return held[1]


def parcels_key(parcels: list[ParcelSpec]) -> tuple:
    """The exact text of every figure, so only a consignment given digit for digit the same is a hit."""
    return tuple((str(p.weight_kg), str(p.length_cm), str(p.width_cm), str(p.height_cm)) for p in parcels)


def routes(net: Network, origin: str, destination: str, parcels: list[ParcelSpec]) -> list[Route]:
    """Every priceable route; a route with a leg whose table has no break for the weight is left out.

    Remembered per network object (`network_memo`): a checkout prices many buyers' look-alike
    consignments, and the seller's acceptance prices each of them again."""
    memo = network_memo(net)
    key = ("routes", origin, destination, parcels_key(parcels))
    found = memo.get(key)
    if found is None:
        found = memo[key] = tuple(_routes(net, origin, destination, parcels))
    return list(found)


def _routes(net: Network, origin: str, destination: str, parcels: list[ParcelSpec]) -> list[Route]:
    out = []
    for lanes in candidate_lanes(net, origin, destination):
        legs = [price_leg(lane, parcels) for lane in lanes]
        if all(leg is not None for leg in legs):
            out.append(Route(tuple(legs)))  # type: ignore[arg-type]
    return out


def route_of(net: Network, lane_ids: list[int], parcels: list[ParcelSpec]) -> Route | None:
    """The route along exactly these lanes, if they are all still sold on the day."""
    lanes = [net.lanes.get(i) for i in lane_ids]
    if not lanes or any(lane is None for lane in lanes):
        return None
    legs = [price_leg(lane, parcels) for lane in lanes]  # type: ignore[arg-type]
    return Route(tuple(legs)) if all(leg is not None for leg in legs) else None  # type: ignore[arg-type]


def converted(money: Money, currency: str, on: date) -> Money:
    """At the ECB reference rate of the day, rounded to the currency's minor unit."""
    return Money(money.amount * ecb_rate(money.currency, currency, on).rate, currency).rounded()


def total_in(route: Route, currency: str, on: date) -> Money:
    return sum((converted(leg.price, currency, on) for leg in route.legs), Money.zero(currency))


def best(found: list[Route], prefer: str, currency: str, on: date) -> Route:
    """Cheapest (then fastest) or fastest (then cheapest); lane ids break the remaining ties."""
    def key(r: Route):
        price, days = total_in(r, currency, on).amount, r.transit_days
        return (price, days, r.lane_ids) if prefer == CHEAPEST else (days, price, r.lane_ids)

    return min(found, key=key)
