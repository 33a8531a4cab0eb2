"""Packing an order's lines into parcels: first-fit by descending unit weight, never more than the
maximum parcel weight (30 kg, the common limit of postal and express parcels) unless one unit alone
is heavier, in which case it travels alone. Each parcel gets the smallest standard carton sized for
its weight (cartons chosen so their volumetric weight at 5,000 cm3/kg stays within that weight);
the products' own dimensions are not recorded in the catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from ewtp.logistics.rates import ParcelSpec

MAX_PARCEL_KG = Decimal(30)
# (up to kg, (length, width, height) in cm)
CARTONS = [(Decimal("0.5"), (25, 18, 5)), (Decimal(1), (25, 20, 10)), (Decimal(2), (33, 25, 12)),
           (Decimal(5), (40, 30, 20)), (Decimal(10), (45, 35, 30)), (Decimal(20), (60, 40, 40)),
           (Decimal(30), (60, 50, 45))]
OVERSIZE = (80, 60, 60)


@dataclass(frozen=True)
class Item:
    sku: str
    description: str
    quantity: int
    unit_weight_kg: Decimal
    unit_value: Decimal
    currency: str
    hs_code: str
    origin: str


@dataclass
class PackedParcel:
    items: list[Item] = field(default_factory=list)
    weight_kg: Decimal = Decimal(0)

    @property
    def dimensions(self) -> tuple[int, int, int]:
        return next((dims for kg, dims in CARTONS if self.weight_kg <= kg), OVERSIZE)

    def spec(self) -> ParcelSpec:
        length, width, height = (Decimal(d) for d in self.dimensions)
        return ParcelSpec(max(self.weight_kg, Decimal("0.01")), length, width, height)


def pack(items: list[Item], max_kg: Decimal = MAX_PARCEL_KG) -> list[PackedParcel]:
    parcels: list[PackedParcel] = []
    for item in sorted(items, key=lambda i: i.unit_weight_kg, reverse=True):
        left, w = item.quantity, item.unit_weight_kg
        for parcel in parcels:
            if left == 0:
                break
            fits = left if w <= 0 else min(left, int(((max_kg - parcel.weight_kg) / w).to_integral_value(ROUND_FLOOR)))
            if fits > 0:
                parcel.items.append(replace(item, quantity=fits))
                parcel.weight_kg += w * fits
                left -= fits
        while left > 0:
            fits = left if w <= 0 else max(1, min(left, int((max_kg / w).to_integral_value(ROUND_FLOOR))))
            parcels.append(PackedParcel([replace(item, quantity=fits)], w * fits))
            left -= fits
    return parcels
