"""SANDBOX carrier simulator: a realistic event stream for a shipment, leg by leg, in each
carrier's own codes (UPU EMSEVT for posts, DHL checkpoints, DCSA for sea) plus the hub's scans,
stamped with the local offset of where each scan happens — with occasional exceptions (delays,
holds) and failed delivery attempts. For the demo and the tests; real carriers post their own."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.orm import chunks
from ewtp.logistics import places
from ewtp.logistics.models import Carrier, Leg, Shipment
from ewtp.logistics.tracking import BatchResult, EventData, ingest

# (code, where, hours after the previous event: low, high); where: origin, ohub, dhub, dest
Step = tuple[str, str, float, float]
SCRIPTS: dict[tuple[str, str], list[Step]] = {
    ("upu_emsevt", "first_mile"): [("EMA", "origin", 2, 8), ("EDD", "origin", 3, 10), ("EDE", "origin", 1, 4)],
    ("dhl_express", "first_mile"): [("PU", "origin", 2, 8), ("PL", "origin", 2, 6), ("DF", "origin", 1, 3)],
    ("upu_emsevt", "line_haul"): [("EMB", "ohub", 1, 3), ("EMC", "ohub", 4, 20), ("EMD", "dhub", 14, 30)],
    ("dhl_express", "line_haul"): [("AF", "ohub", 1, 3), ("PL", "ohub", 1, 4), ("DF", "ohub", 3, 12),
                                   ("AF", "dhub", 13, 24), ("PL", "dhub", 1, 3)],
    ("dcsa", "line_haul"): [("GTIN", "ohub", 4, 24), ("LOAD", "ohub", 12, 48), ("DEPA", "ohub", 2, 12),
                            ("ARRI", "dhub", 480, 620), ("DISC", "dhub", 6, 30), ("GTOT", "dhub", 12, 48)],
    ("upu_emsevt", "last_mile"): [("EDD", "dest", 4, 12), ("EDE", "dest", 1, 4), ("EMG", "dest", 3, 10),
                                  ("EDG", "dest", 6, 14)],
    ("dhl_express", "last_mile"): [("AR", "dest", 3, 10), ("WC", "dest", 4, 12)],
}
HUB_OUT: list[Step] = [("RCV", "ohub", 2, 10), ("SORT", "ohub", 1, 3), ("BAG", "ohub", 1, 6),
                       ("MAWB", "ohub", 2, 10), ("DEP", "ohub", 1, 6)]
HUB_IN: list[Step] = [("ARR", "dhub", 1, 4), ("CUS_HOLD", "dhub", 0.5, 2), ("CUS_REL", "dhub", 2, 30),
                      ("SORT", "dhub", 1, 4), ("HANDOVER", "dhub", 2, 8)]
DELIVERY = {"upu_emsevt": ("EMI", "EMH", "EDG"), "dhl_express": ("OK", "NH", "WC")}  # done, failed, retry
DELAYS = {"upu_emsevt": ["EXD"], "dhl_express": ["TD", "OH", "MS"], "dcsa": ["HOLD"], "ewtp_hub": []}
RESUME = {"upu_emsevt": "EMC", "dhl_express": "DF", "dcsa": "RELS"}


@dataclass(frozen=True)
class SimEvent:
    carrier: str
    event: EventData


class _Clock:
    def __init__(self, shipment: Shipment, start: datetime, rng: random.Random):
        self.s, self.t, self.rng, self.n = shipment, start, rng, 0
        self.out: list[SimEvent] = []
        self.places: dict[str, tuple[str, str, ZoneInfo]] = {}  # where(key) and its zone, once per key

    def where(self, key: str) -> tuple[str, str]:
        s = self.s
        if key in ("ohub", "dhub"):
            hub = s.origin_hub if key == "ohub" else s.destination_hub
            return hub.code, hub.country
        country = s.origin_country if key == "origin" else s.destination_country
        p = places.place(country)
        return (p.name if p else country), country

    def emit(self, carrier: str, number: str, code: str, key: str, lo: float, hi: float,
             proof: dict[str, str] | None = None) -> None:
        self.t += timedelta(hours=self.rng.uniform(lo, hi))
        at = self.places.get(key)
        if at is None:  # a journey's events happen at its four places: each looked up once
            location, country = self.where(key)
            at = self.places[key] = (location, country, places.zone(country))
        location, country, zone = at
        self.n += 1
        local = self.t.astimezone(zone)
        self.out.append(SimEvent(carrier, EventData(
            event_id=f"{carrier}-{number}-{self.n:03d}", tracking_number=number, code=code,
            occurred_at=local.replace(microsecond=0), location=location, country=country, proof=proof)))


@dataclass(frozen=True, slots=True)
class SimLeg:
    """What the simulator reads of a leg (a batch of journeys reads thousands of them: plain values,
    not model instances); its carrier is the shared Carrier row."""

    kind: str
    tracking_no: str
    carrier: Carrier


def legs_of(shipment_ids: list[int]) -> dict[int, list[SimLeg]]:
    """{shipment id: its legs in order, with their carriers}: one query for a batch of shipments,
    and one for the few carriers they use."""
    out: dict[int, list[SimLeg]] = {pk: [] for pk in shipment_ids}
    rows: list[tuple[int, str, str, int]] = []
    for part in chunks(shipment_ids):  # stay under SQLite's bound-parameter limit
        rows += (Leg.objects.filter(shipment_id__in=part).order_by("shipment_id", "seq")
                 .values_list("shipment_id", "kind", "tracking_no", "carrier_id"))
    carriers = Carrier.objects.in_bulk({r[3] for r in rows})
    for sid, kind, number, carrier_id in rows:
        out[sid].append(SimLeg(kind, number, carriers[carrier_id]))
    return out


def simulate_events(shipment: Shipment, start: datetime, rng: random.Random, *, until: datetime | None = None,
                    failure_rate: float = 0.1, exception_rate: float = 0.05,
                    legs: list[SimLeg] | None = None) -> list[SimEvent]:
    """Every event of the shipment's journey from `start` (aware) to delivery, in time order;
    with `until`, only those that have happened by then (a shipment still on its way). `legs`:
    the shipment's legs from `legs_of`, when a caller simulates many shipments."""
    clock = _Clock(shipment, start, rng)
    hub_no = shipment.tracking_no
    clock.emit(Carrier.HUB, hub_no, "PRE", "origin", 0, 1)
    if legs is None:
        legs = legs_of([shipment.pk])[shipment.pk]
    for leg in legs:
        table, code = leg.carrier.code_table, leg.carrier.code
        if leg.kind == "line_haul":
            _steps(clock, Carrier.HUB, hub_no, HUB_OUT)
        script = SCRIPTS.get((table, leg.kind), [])
        for i, step in enumerate(script):
            _steps(clock, code, leg.tracking_no, [step])
            if leg.kind == "line_haul" and i == 1 and rng.random() < exception_rate and DELAYS.get(table):
                clock.emit(code, leg.tracking_no, rng.choice(DELAYS[table]), step[1], 1, 6)
                clock.emit(code, leg.tracking_no, RESUME[table], step[1], 12, 48)
        if leg.kind == "line_haul":
            _steps(clock, Carrier.HUB, hub_no, HUB_IN)
        if leg.kind == "last_mile" and table in DELIVERY:
            done, failed, retry = DELIVERY[table]
            if rng.random() < failure_rate:
                clock.emit(code, leg.tracking_no, failed, "dest", 2, 6)
                clock.emit(code, leg.tracking_no, retry, "dest", 14, 20)
            name = shipment.ship_to.get("name", "") if isinstance(shipment.ship_to, dict) else ""
            proof = {"signature": name} if name and rng.random() < 0.6 else {"photo": f"POD-{rng.getrandbits(40):010x}"}
            clock.emit(code, leg.tracking_no, done, "dest", 1, 5, proof=proof)
    events = clock.out
    if until is not None:
        events = [e for e in events if e.event.occurred_at <= until]
    return events


def _steps(clock: _Clock, carrier: str, number: str, steps: Iterable[Step]) -> None:
    for code, key, lo, hi in steps:
        clock.emit(carrier, number, code, key, lo, hi)


def post(events: Iterable[SimEvent], actor: Actor = SYSTEM) -> BatchResult:
    """Post simulated events as their carriers would: one batch per carrier, in the given order."""
    batches: dict[str, list[EventData]] = {}
    for e in events:
        batches.setdefault(e.carrier, []).append(e.event)
    total = BatchResult()
    for carrier, batch in batches.items():
        r = ingest(actor, carrier, batch)
        total.created += r.created
        total.duplicate_ids += r.duplicate_ids
        total.unknown_code_ids += r.unknown_code_ids
    return total
