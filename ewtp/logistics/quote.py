"""The shipping quote: for a parcel set from an origin country to a destination country on a day,
the route (cheapest by default, or fastest), its price converted into the requested currency at the
ECB reference rate (each leg kept in its carrier's currency with the conversion shown) and the
transit estimate. No route is a 422 naming the corridor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ewtp.core.errors import ValidationFailed
from ewtp.core.money import Money
from ewtp.logistics.rates import ParcelSpec
from ewtp.logistics.routing import (
    CHEAPEST,
    FASTEST,
    Route,
    best,
    converted,
    network_memo,
    parcels_key,
    route_of,
    routes,
    total_in,
)
from ewtp.logistics.snapshot import Network, network_on
from ewtp.logistics.transit import TransitEstimate, estimate_transit
from ewtp.rules.fx import currencies, ecb_rate
from ewtp.rules.refdata import country_table

MAX_PARCELS = 99
MAX_KG = Decimal(70)  # the heaviest piece any carrier here accepts; packing splits at 30 kg
MAX_CM = Decimal(300)


@dataclass(frozen=True)
class ShippingQuote:
    origin: str
    destination: str
    on: date
    prefer: str
    price: Money  # in the requested currency
    route: Route
    estimate: TransitEstimate
    routes_considered: int

    @property
    def transit_days(self) -> Decimal:
        return self.route.transit_days

    def as_dict(self, net: Network | None = None) -> dict:
        """`net`: the network the route was found in, whose memo keeps the legs' part (a pure
        function of the route's legs, the currency and the day; shared, never changed)."""
        cur = self.price.currency
        if net is None:
            legs = _legs(self.route, cur, self.on)
        else:
            memo = network_memo(net)
            key = ("legs", id(self.route), cur, self.on)
            hit = memo.get(key)
            if hit is None or hit[0] is not self.route:  # the route itself is kept: its id is not reused
                hit = memo[key] = (self.route, _legs(self.route, cur, self.on))
            legs = hit[1]
        return {"origin": self.origin, "destination": self.destination, "date": self.on.isoformat(),
                "prefer": self.prefer, "price": str(self.price.amount), "currency": cur,
                "transit_days": str(self.transit_days), "estimate": self.estimate.as_dict(),
                "route": [leg.lane.to_hub for leg in self.route.legs if leg.lane.to_hub], "legs": legs,
                "lane_ids": self.route.lane_ids, "routes_considered": self.routes_considered}


def _legs(route: Route, cur: str, on: date) -> list[dict]:
    """Each leg in its carrier's currency and converted into `cur` at the ECB reference of `on`."""
    legs = []
    for seq, leg in enumerate(route.legs, 1):
        lane, rate = leg.lane, ecb_rate(leg.price.currency, cur, on)
        legs.append({
            "seq": seq, "kind": lane.kind, "mode": lane.mode, "carrier": lane.carrier, "lane_id": lane.id,
            "from": lane.from_hub or lane.from_country, "to": lane.to_hub or lane.to_country,
            "chargeable_kg": str(leg.chargeable_kg.quantize(Decimal("0.1"))), "price": str(leg.price.amount), "currency": leg.price.currency,
            "converted": str(converted(leg.price, cur, on).amount), "fx": rate.as_dict(),
            "transit_days": str(lane.transit_days), "rate_table": lane.table.id,
            "effective_from": lane.table.effective_from.isoformat()})
    return legs


def _check(parcels: list[ParcelSpec], origin: str, destination: str, currency: str, prefer: str) -> None:
    errors: dict[str, list[str]] = {}
    countries = country_table()
    for name, code in (("origin", origin), ("destination", destination)):
        if code not in countries:
            errors[name] = [f"unknown country code {code!r}"]
    if currency not in currencies():
        errors["currency"] = [f"{currency!r} has no ECB reference rate"]
    if prefer not in (CHEAPEST, FASTEST):
        errors["prefer"] = [f"one of {CHEAPEST}, {FASTEST}"]
    if not 1 <= len(parcels) <= MAX_PARCELS:
        errors["parcels"] = [f"1 to {MAX_PARCELS} parcels"]
    for n, p in enumerate(parcels):
        if not (p.weight_kg.is_finite() and 0 < p.weight_kg <= MAX_KG):
            errors[f"parcels[{n}].weight_kg"] = [f"more than 0 and at most {MAX_KG} kg"]
        dims = (p.length_cm, p.width_cm, p.height_cm)
        if any(d is not None for d in dims) and not all(d is not None and d.is_finite() and 0 < d <= MAX_CM
                                                        for d in dims):
            errors[f"parcels[{n}].dimensions"] = [f"length, width and height together, each 0-{MAX_CM} cm"]
    if errors:
        raise ValidationFailed("the shipping quote request is not valid", fields=errors)


def quote_shipping(parcels: list[ParcelSpec], origin: str, destination: str, *, on: date | None = None,
                   currency: str | None = None, prefer: str = CHEAPEST,
                   lane_ids: list[int] | None = None, network: Network | None = None,
                   medians: dict[tuple[str, str], tuple[Decimal, int]] | None = None) -> ShippingQuote:
    """`lane_ids` asks for exactly that route (as quoted at checkout) when it is still sold.
    `network`, `medians`: `network_on(on)` and `transit.corridor_medians(on)` as the caller has
    just looked them up (a checkout's sellers share them)."""
    day = on or timezone.localdate()
    cur = currency or (country_table().get(destination) or {}).get("currency") or "EUR"
    if cur not in currencies():
        cur = "EUR" if currency is None else cur
    _check(parcels, origin, destination, cur, prefer)
    if network is not None and network.on != day:
        raise ValueError("quote_shipping: the network given is another day's")
    net = network or network_on(day)
    # the route and its price are pure functions of the network object, the consignment and the
    # ECB table shipped with the code: remembered per network (the transit estimate is not: it
    # follows the deliveries measured)
    memo = network_memo(net)
    key = ("quote", origin, destination, parcels_key(parcels), day, cur, prefer, tuple(lane_ids or ()))
    hit = memo.get(key)
    if hit is None:
        found = routes(net, origin, destination, parcels)
        chosen = route_of(net, lane_ids, parcels) if lane_ids else None
        if not found and chosen is None:
            raise ValidationFailed(
                f"no route from {origin} to {destination} on {day.isoformat()}: the hub network has no first-mile "
                f"lane from {origin}, no last-mile lane to {destination}, or no rates in force that day",
                code="no_route", fields={"destination": [f"not reachable from {origin} through the hub network"]})
        route = chosen or best(found, prefer, cur, day)
        hit = memo[key] = (route, total_in(route, cur, day), len(found))
        if not lane_ids:
            # asked again for exactly this route (the acceptance of an order quoted so), `route_of`
            # gives the same legs, priced the same, from the same routes considered
            memo.setdefault(key[:-1] + (tuple(route.lane_ids),), hit)
    route, total, considered = hit
    estimate = estimate_transit(origin, destination, published=route.transit_days, on=day, medians=medians)
    assert estimate is not None  # published days given: always an estimate
    return ShippingQuote(origin, destination, day, prefer, total, route, estimate, considered)
