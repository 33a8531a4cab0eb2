"""Currency conversion as linked postings through FX liquidity accounts.

The buyer pays in its currency; the seller is paid in its own. A conversion is booked as
legs of one balanced transaction: out of the source account into the hub's FX liquidity in
the source currency, and out of FX liquidity in the target currency into the destination —
minus the hub's margin, booked as its own line to `fx_margin`. The reference rate, its date
and source, and the margin are stored with the transaction (FxConversion).

Rates come from a `RateSource`; the ECB reference rates (ewtp/rules/fx.py) plug in later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.conf import settings

from ewtp.core.errors import ValidationFailed
from ewtp.core.money import Money
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Account
from ewtp.rules.fx import ecb_rate


class RateSource(Protocol):
    name: str

    def rate(self, from_currency: str, to_currency: str, on: date) -> Decimal:
        """How many units of `to_currency` one unit of `from_currency` buys (reference, mid)."""
        ...


class FixedRates:
    """Rates from a fixed table of units per 1 EUR (the ECB's quotation), crossed through EUR.
    For tests and for running without the ECB feed; `name` says so on every conversion."""

    def __init__(
        self, per_eur: dict[str, Decimal | str], name: str = "fixed-table", as_of: date | None = None
    ):
        self.per_eur = {c: Decimal(str(v)) for c, v in per_eur.items()} | {"EUR": Decimal(1)}
        self.name = name
        self.as_of = as_of

    def rate(self, from_currency: str, to_currency: str, on: date) -> Decimal:
        for c in (from_currency, to_currency):
            if c not in self.per_eur:
                raise ValidationFailed.field("currency", f"no reference rate for {c}")
        if from_currency == to_currency:
            return Decimal(1)
        return (self.per_eur[to_currency] / self.per_eur[from_currency]).quantize(Decimal("1e-10"))


# Sample table so the hub runs before the ECB feed is wired in (NOT live rates: ECB reference
# rates of 2025-01-02, rounded). Conversions record the source name "sample-ecb-2025-01-02".
SAMPLE_RATES = FixedRates(
    {
        "USD": "1.0321",
        "JPY": "162.88",
        "GBP": "0.82750",
        "CNY": "7.5484",
        "MYR": "4.6190",
        "SGD": "1.4110",
        "AUD": "1.6630",
        "IDR": "16747",
        "THB": "35.528",
        "KRW": "1516.5",
        "HKD": "8.0199",
        "INR": "88.40",
        "CAD": "1.4878",
        "CHF": "0.9380",
        "NZD": "1.8413",
        "PHP": "59.932",
    },
    name="sample-ecb-2025-01-02",
    as_of=date(2025, 1, 2),
)


class EcbRates:
    """The ECB euro reference rates shipped with the rules layer (ewtp/rules/fx.py): the rate of
    the day or the last one published before it, crossed through EUR."""

    name = "ECB"

    def rate(self, from_currency: str, to_currency: str, on: date) -> Decimal:
        return ecb_rate(from_currency, to_currency, on).rate


ECB_RATES = EcbRates()


def default_rates() -> RateSource:
    """The hub converts at ECB reference rates; SAMPLE_RATES stays for tests and offline use."""
    return ECB_RATES


def margin() -> Decimal:
    return Decimal(str(settings.EWTP_PAYMENTS_FX_MARGIN))


@dataclass(frozen=True)
class Conversion:
    source: Money
    gross: Money  # at the reference rate, rounded half-up to the target's minor unit
    margin: Money  # the hub's margin, its own line
    net: Money  # what the destination receives
    rate: Decimal
    rate_date: date
    rate_source: str
    margin_rate: Decimal


def convert(
    amount: Money, to_currency: str, on: date, rates: RateSource, margin_rate: Decimal | None = None
) -> Conversion:
    m = margin() if margin_rate is None else margin_rate
    rate = rates.rate(amount.currency, to_currency, on)
    gross = Money(amount.amount * rate, to_currency).rounded(ROUND_HALF_UP)
    fee = (gross * m).rounded(ROUND_HALF_UP)
    return Conversion(amount, gross, fee, gross - fee, rate, on, rates.name, m)


def add_legs(entry: Entry, account: Account, minor: int) -> None:
    """Add a leg unless it is zero (a rounded-away amount books nothing)."""
    if minor:
        entry.add(account, minor)


def record(tx_id: int, conv: Conversion):
    from ewtp.payments.models import FxConversion

    return FxConversion(
        tx_id=tx_id,
        from_currency=conv.source.currency,
        to_currency=conv.gross.currency,
        rate=conv.rate,
        rate_date=conv.rate_date,
        rate_source=conv.rate_source[:40],
        margin=conv.margin_rate,
        from_minor=conv.source.to_minor(),
        gross_minor=conv.gross.to_minor(),
        margin_minor=conv.margin.to_minor(),
    )
