"""Money: an exact Decimal amount with its ISO 4217 currency.

Arithmetic never mixes currencies and never rounds by itself: rounding to the currency's
minor unit happens only where a rule says so (`rounded()`), half-up unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from ewtp.core.currencies import get_currency


class CurrencyMismatch(TypeError):
    pass


MAX_AMOUNT = Decimal(10) ** 15


def to_decimal(value: Any) -> Decimal:
    """Decimal from a Decimal, int or decimal string. Floats are refused: they are not exact."""
    if isinstance(value, (bool, float)):
        raise TypeError("money amounts must be Decimal, int or a decimal string, not float")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
    else:
        raise TypeError(f"cannot make a decimal of {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite decimal number: {value!r}")
    if abs(result) >= MAX_AMOUNT:
        # no trade moves that much in one amount; larger ones would not fit the minor-unit columns
        # (64-bit) and overflow the decimal context when rounded ("1e30" in an API call)
        raise ValueError(f"amount too large: {value!r} (at most {MAX_AMOUNT - 1:,})")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __init__(self, amount: Any, currency: str) -> None:
        get_currency(currency)  # refuses unknown codes
        object.__setattr__(self, "amount", to_decimal(amount))
        object.__setattr__(self, "currency", currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @property
    def minor_unit(self) -> int:
        return get_currency(self.currency).minor_unit

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __radd__(self, other: object) -> Money:
        if other == 0:  # lets sum() start from 0
            return self
        return self.__add__(other)  # type: ignore[arg-type]

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Any) -> Money:
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: Any) -> Money:
        if isinstance(divisor, Money):
            raise TypeError("divide amounts, not Money by Money")
        return Money(self.amount / to_decimal(divisor), self.currency)

    def _cmp(self, other: object) -> tuple[Decimal, Decimal]:
        return self.amount, self._same(other).amount

    def __lt__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a < b

    def __le__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a <= b

    def __gt__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a > b

    def __ge__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a >= b

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.currency == self.currency and other.amount == self.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_negative(self) -> bool:
        return self.amount < 0

    def rounded(self, rounding: str = ROUND_HALF_UP) -> Money:
        """Rounded to the currency's minor unit (JPY 0 places, KWD 3)."""
        quantum = Decimal(1).scaleb(-self.minor_unit)
        return Money(self.amount.quantize(quantum, rounding=rounding), self.currency)

    def is_rounded(self) -> bool:
        return self.amount == self.rounded().amount

    def to_minor(self) -> int:
        """Integer count of minor units; refuses an amount that is not already rounded."""
        if not self.is_rounded():
            raise ValueError(f"{self} is not rounded to {self.currency} minor units")
        return int(self.amount.scaleb(self.minor_unit))

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(units).scaleb(-get_currency(currency).minor_unit), currency)

    def allocate(self, ratios: list[int | Decimal]) -> list[Money]:
        """Split a rounded amount by ratios into rounded parts that sum exactly to it
        (largest-remainder method), so no cent is lost or created."""
        total_ratio = sum(Decimal(r) for r in ratios)
        if total_ratio <= 0 or any(Decimal(r) < 0 for r in ratios):
            raise ValueError("ratios must be non-negative with a positive sum")
        units = self.to_minor()
        exact = [Decimal(units) * Decimal(r) / total_ratio for r in ratios]
        parts = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
        remainder = units - sum(parts)
        order = sorted(range(len(ratios)), key=lambda i: exact[i] - parts[i], reverse=True)
        for i in order[: abs(remainder)]:
            parts[i] += 1 if remainder > 0 else -1
        return [Money.from_minor(p, self.currency) for p in parts]

    def format(self, locale: str = "en") -> str:
        """Display per locale, e.g. 'RM1,234.50' in ms, '¥1,235' for JPY."""
        babel_locale = {"zh-hans": "zh_Hans_CN", "ms": "ms_MY", "en": "en"}.get(locale, locale.replace("-", "_"))
        return format_currency(self.amount, self.currency, locale=babel_locale)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"
