"""SANDBOX sample network and shipments for tests, benchmarks and the tracking demo, built directly
from the models (the network loader and `create_shipment` live in the network helper's modules;
this only makes rows in their shape). Three hubs, the plan's carriers with their code tables,
and shipments routed first mile -> origin hub -> line-haul -> destination hub -> last mile."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from ewtp.accounts.models import Organisation
from ewtp.logistics.models import Carrier, Hub, Lane, Leg, Parcel, Shipment
from ewtp.logistics.s10 import s10

HUBS = {  # code: (name, country, city, latitude, longitude) — the airports the hubs sit at
    "HGH": ("Hangzhou hub", "CN", "Hangzhou", "30.22950", "120.43440"),
    "KUL": ("Kuala Lumpur hub", "MY", "Sepang", "2.74560", "101.70990"),
    "LGG": ("Liège hub", "BE", "Liège", "50.63740", "5.44320"),
}
CARRIERS = {  # code: (name, code table, currency)
    "CNPOST": ("China Post", "upu_emsevt", "CNY"),
    "POSMY": ("Pos Malaysia", "upu_emsevt", "MYR"),
    "BPOST": ("bpost", "upu_emsevt", "EUR"),
    "DHLX": ("DHL Express", "dhl_express", "EUR"),
    "MAERSK": ("Maersk", "dcsa", "USD"),
    "EWTPHUB": ("eWTP hub scans", "ewtp_hub", "USD"),
}
_serial = itertools.count(1)


def network() -> tuple[dict[str, Hub], dict[str, Carrier]]:
    """The hubs and carriers (idempotent: existing rows are reused)."""
    hubs = {}
    for code, (name, country, city, lat, lon) in HUBS.items():
        hubs[code], _ = Hub.objects.get_or_create(code=code, defaults={
            "name": name, "country": country, "city": city, "latitude": Decimal(lat), "longitude": Decimal(lon),
            "location_id": f"https://id.ewtp.example/hub/{code}"})
    carriers = {}
    for code, (name, table, currency) in CARRIERS.items():
        c = Carrier.objects.filter(code=code).first()
        if c is None:
            org = Organisation.objects.create(kind=Organisation.LOGISTICS, name=name, country="MY")
            c = Carrier.objects.create(code=code, name=name, organisation=org, code_table=table, currency=currency)
        carriers[code] = c
    return hubs, carriers


def _lane(kind: str, carrier: Carrier, mode: str, days: str, *, from_hub=None, to_hub=None,
          from_country: str, to_country: str) -> Lane:
    lane, _ = Lane.objects.get_or_create(kind=kind, carrier=carrier, from_hub=from_hub, to_hub=to_hub,
                                         from_country=from_country, to_country=to_country,
                                         defaults={"mode": mode, "transit_days": Decimal(days)})
    return lane


@dataclass(frozen=True)
class Route:
    origin: str = "MY"
    destination: str = "BE"
    origin_hub: str = "KUL"
    destination_hub: str = "LGG"
    first_mile: str = "POSMY"
    line_haul: str = "DHLX"
    last_mile: str = "BPOST"
    mode: str = Lane.AIR


ADDRESS = {"name": "Test Buyer", "phone": "+32 2 000 00 00", "line1": "Rue de la Loi 16", "city": "Brussels",
           "postcode": "1000"}


def make_shipment(seller: Organisation, buyer, route: Route = Route(), *, order_ref: str = "",
                  parcels: int = 1) -> Shipment:
    """A forward shipment with its parcels and three legs, each leg with the carrier's own number."""
    hubs, carriers = network()
    n = next(_serial) + Shipment.objects.count()
    oh, dh = hubs[route.origin_hub], hubs[route.destination_hub]
    s = Shipment.objects.create(
        tracking_no=f"EWTP{n:010d}", order_ref=order_ref or f"ORD-TEST-{n}", seller=seller, buyer=buyer,
        origin_country=route.origin, destination_country=route.destination, origin_hub=oh, destination_hub=dh,
        ship_from={"name": seller.name, "line1": "1 Jalan Test", "city": "Kuala Lumpur", "country": route.origin},
        ship_to={**ADDRESS, "country": route.destination})
    for i in range(parcels):
        Parcel.objects.create(shipment=s, seq=i + 1, tracking_no=f"{s.tracking_no}-{i + 1}", weight_kg=Decimal("0.8"),
                              length_cm=30, width_cm=20, height_cm=10)
    legs = [
        (Lane.FIRST_MILE, route.first_mile, Lane.ROAD, "1.5", {"to_hub": oh, "from_country": route.origin,
                                                                 "to_country": oh.country}),
        (Lane.LINE_HAUL, route.line_haul, route.mode, "3.0" if route.mode == Lane.AIR else "28.0",
         {"from_hub": oh, "to_hub": dh, "from_country": oh.country, "to_country": dh.country}),
        (Lane.LAST_MILE, route.last_mile, Lane.ROAD, "2.0", {"from_hub": dh, "from_country": dh.country,
                                                               "to_country": route.destination}),
    ]
    for seq, (kind, code, mode, days, where) in enumerate(legs, start=1):
        carrier = carriers[code]
        lane = _lane(kind, carrier, mode, days, **where)
        Leg.objects.create(shipment=s, seq=seq, kind=kind, lane=lane, carrier=carrier,
                           tracking_no=carrier_number(carrier, n, seq), planned_days=Decimal(days))
    return s


def carrier_number(carrier: Carrier, n: int, seq: int) -> str:
    """The carrier's own number format: S10 for posts, 10 digits for DHL, a bill of lading for Maersk."""
    if carrier.code_table == "upu_emsevt":
        return s10("EE" if seq == 1 else "LX", n * 10 + seq, {"CNPOST": "CN", "POSMY": "MY"}.get(carrier.code, "BE"))
    if carrier.code_table == "dcsa":
        return f"MAEU{n * 10 + seq:09d}"
    return f"{(n * 10 + seq) % 10**10:010d}"
