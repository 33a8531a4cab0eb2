"""One point and time zone per country (data/places.csv, see places.md): where a first or last
mile starts or ends on the route picture, and the local offset the simulator stamps on events."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

PLACES = Path(__file__).resolve().parent / "data" / "places.csv"


@dataclass(frozen=True)
class Place:
    country: str
    name: str
    latitude: float
    longitude: float
    zone: str


@cache
def places() -> dict[str, Place]:
    with open(PLACES, newline="", encoding="utf-8") as fh:
        return {r["country"]: Place(r["country"], r["place"], float(r["latitude"]), float(r["longitude"]), r["zone"])
                for r in csv.DictReader(fh)}


def place(country: str) -> Place | None:
    return places().get(country)


def zone(country: str) -> ZoneInfo:
    p = places().get(country)
    return ZoneInfo(p.zone if p else "UTC")
