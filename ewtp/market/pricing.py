"""Prices shown to buyers: the ECB reference rate of the day plus the hub's published FX margin.
The margin is shown to the buyer beside the price, and the same figure is frozen on an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ewtp.payments.fx import margin as fx_margin  # the hub's one published margin
from ewtp.rules.fx import ecb_rate

__all__ = ["BuyerRate", "buyer_rate", "fx_margin", "rate_lookup"]


@dataclass(frozen=True)
class BuyerRate:
    base: str
    quote: str
    reference: Decimal  # ECB reference (1 base = reference quote)
    margin: Decimal  # fraction added for the buyer
    on: date  # ECB publication day used

    @property
    def rate(self) -> Decimal:
        return self.reference if self.base == self.quote else self.reference * (1 + self.margin)


def buyer_rate(base: str, quote: str, on: date | None = None) -> BuyerRate:
    ref = ecb_rate(base, quote, on or timezone.localdate())
    return BuyerRate(base, quote, ref.rate, Decimal(0) if base == quote else fx_margin(), ref.on)


def rate_lookup(on: date | None = None):
    """A (base, quote) -> Decimal lookup for browse(), memoised for one request."""
    cache: dict[tuple[str, str], Decimal] = {}

    def rate(base: str, quote: str) -> Decimal:
        key = (base, quote)
        if key not in cache:
            cache[key] = buyer_rate(base, quote, on).rate
        return cache[key]

    return rate
