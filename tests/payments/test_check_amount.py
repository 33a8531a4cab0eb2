"""A payment's amounts are checked (`services._check_amount`) as Money's own checks check them:
the same minor units, the same refusals, whatever the amount's digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.core.money import Money
from ewtp.payments.services import _check_amount


def _money_checks(name: str, value: Money | None, currency: str, *, positive: bool = False) -> int:
    """The check as it was written with Money's methods."""
    if value is None:
        return 0
    if value.currency != currency:
        raise ValidationFailed.field(name, f"must be in {currency}")
    if value.is_negative() or (positive and not value.amount) or not value.is_rounded():
        raise ValidationFailed.field(
            name, f"must be {'positive' if positive else '>= 0'} and rounded to {currency} minor units"
        )
    return value.to_minor()


def _outcome(check, value, currency, positive):
    try:
        return check("amount", value, currency, positive=positive)
    except ValidationFailed as err:
        return str(err), err.fields
    except ValueError as err:  # e.g. rounding JPY 999999999999999.99 up overflows Money
        return type(err), str(err)


AMOUNTS = ["20.00", "20", "20.5", "20.50", "20.505", "20.500", "0", "0.00", "-0.00", "-1.00", "-0.001", "1E+2",
           "1.000000000000000000000000000001", "999999999999999.99", "0.01", "0.001", "0.0001", "12.3400000"]


@pytest.mark.parametrize("currency", ["MYR", "JPY", "KWD"])
@pytest.mark.parametrize("positive", [True, False])
def test_the_check_is_moneys(currency, positive):
    for text in AMOUNTS:
        value = Money(Decimal(text), currency)
        assert _outcome(_check_amount, value, currency, positive) == _outcome(_money_checks, value, currency, positive), text
    assert _outcome(_check_amount, None, currency, positive) == 0
    other = Money("1.00", "USD")
    assert _outcome(_check_amount, other, currency, positive) == _outcome(_money_checks, other, currency, positive)
