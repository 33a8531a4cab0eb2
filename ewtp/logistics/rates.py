"""Pricing by weight break: chargeable weight (actual or volumetric, whichever is greater, rounded
up to the next half kilogram as couriers and airlines do) looked up in the rate table in force on
the day. Plain data in, Decimal out: no database, so the cached network of the day can use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

STEP_KG = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class Break:
    max_kg: Decimal | None  # None: the open-ended last break
    price: Decimal
    per_kg: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Table:
    id: int
    currency: str
    effective_from: date
    effective_to: date | None  # inclusive
    divisor: int  # cm3 per kg
    source: str
    breaks: tuple[Break, ...]

    def covers(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, slots=True)
class ParcelSpec:
    weight_kg: Decimal
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None

    @property
    def volume_cm3(self) -> Decimal | None:
        if self.length_cm is None or self.width_cm is None or self.height_cm is None:
            return None
        return self.length_cm * self.width_cm * self.height_cm


def round_up(kg: Decimal, step: Decimal = STEP_KG) -> Decimal:
    return (kg / step).to_integral_value(rounding=ROUND_CEILING) * step


def volumetric_kg(parcel: ParcelSpec, divisor: int) -> Decimal:
    volume = parcel.volume_cm3
    return Decimal(0) if volume is None or divisor <= 0 else volume / Decimal(divisor)


def chargeable_kg(parcel: ParcelSpec, divisor: int) -> Decimal:
    return round_up(max(parcel.weight_kg, volumetric_kg(parcel, divisor)))


def price_for(table: Table, kg: Decimal) -> Decimal | None:
    """The price for `kg` chargeable kilograms, or None when the table has no break for it."""
    previous = Decimal(0)
    for b in table.breaks:
        if b.max_kg is None:
            above = (kg - previous).to_integral_value(rounding=ROUND_CEILING) if kg > previous else Decimal(0)
            return b.price + b.per_kg * above
        if kg <= b.max_kg:
            return b.price
        previous = b.max_kg
    return None


def in_force(tables: list[Table] | tuple[Table, ...], on: date) -> Table | None:
    """The table covering `on`; when versions overlap, the one that started last."""
    live = [t for t in tables if t.covers(on)]
    return max(live, key=lambda t: t.effective_from) if live else None
