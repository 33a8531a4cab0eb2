"""Shipping charge per seller consignment: a flat published table until the logistics rate
tables are in place. In EUR, converted at the ECB reference rate of the day into the seller's
currency and rounded to its minor unit.

    domestic:      EUR 3.00 + EUR 1.00 per started 0.5 kg
    international: EUR 8.00 + EUR 4.00 per started 0.5 kg
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal

from ewtp.core.money import Money
from ewtp.rules.fx import ecb_rate

TABLE = {"domestic": (Decimal("3.00"), Decimal("1.00")), "international": (Decimal("8.00"), Decimal("4.00"))}
STEP_KG = Decimal("0.5")


def flat_rate(weight_kg: Decimal, ship_from: str, destination: str, currency: str, on: date) -> Money:
    base, per_step = TABLE["domestic" if ship_from == destination else "international"]
    steps = max(1, int((weight_kg / STEP_KG).to_integral_value(rounding=ROUND_CEILING)))
    eur = base + per_step * steps
    return Money(eur * ecb_rate("EUR", currency, on).rate, currency).rounded()
