from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.core.money import Money
from ewtp.payments.fees import fee_for
from ewtp.payments.fx import convert


def test_fee_percent_plus_fixed_per_currency(settings):
    settings.EWTP_PAYMENTS_FEE_PERCENT = "2.5"
    settings.EWTP_PAYMENTS_FEE_FIXED = {"default": "0.30", "JPY": "40"}
    assert fee_for(Money("100.00", "EUR")) == Money("2.80", "EUR")
    assert fee_for(Money("1001", "JPY")) == Money("65", "JPY")  # 25.025 + 40, half-up to whole yen
    assert fee_for(Money("0.10", "EUR")) == Money("0.10", "EUR")  # never more than the amount
    assert fee_for(Money("10.000", "KWD")) == Money("0.550", "KWD")


def test_conversion_rounds_at_the_target_minor_unit_and_books_the_margin(rates):
    c = convert(Money("10.00", "MYR"), "JPY", date(2026, 1, 5), rates, Decimal("0.01"))
    assert c.rate == Decimal("33.3333333333")
    assert (c.gross, c.margin, c.net) == (Money("333", "JPY"), Money("3", "JPY"), Money("330", "JPY"))
    assert c.rate_date == date(2026, 1, 5) and c.rate_source == "test-table"


def test_unknown_rate_is_refused(rates):
    with pytest.raises(ValidationFailed):
        convert(Money("1.00", "EUR"), "XOF", date(2026, 1, 5), rates)
