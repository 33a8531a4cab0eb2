from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ewtp.core.currencies import UnknownCurrency
from ewtp.core.money import CurrencyMismatch, Money

CODES = ["USD", "EUR", "JPY", "KWD", "MYR", "CNY", "GBP"]
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False,
                      allow_infinity=False)


def test_minor_units_follow_iso_4217():
    assert Money("1234.5", "JPY").rounded() == Money("1235", "JPY")
    assert Money("1.0005", "KWD").rounded() == Money("1.001", "KWD")
    assert Money("2.675", "USD").rounded() == Money("2.68", "USD")  # half-up, exact (a float would say 2.67)
    assert Money("-2.675", "USD").rounded() == Money("-2.68", "USD")


def test_no_rounding_unless_asked():
    m = Money("10", "USD") / 3
    assert m.amount == Decimal("10") / Decimal("3")
    assert not m.is_rounded()


def test_mixed_currencies_are_refused():
    with pytest.raises(CurrencyMismatch):
        Money("1", "USD") + Money("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1", "USD") < Money("1", "EUR")


def test_floats_and_junk_are_refused():
    with pytest.raises(TypeError):
        Money(0.1, "USD")
    with pytest.raises(ValueError):
        Money("1,5", "USD")
    with pytest.raises(ValueError):
        Money("NaN", "USD")
    with pytest.raises(UnknownCurrency):
        Money("1", "XYZ")
    with pytest.raises(ValueError, match="too large"):
        Money("1e30", "EUR")  # would overflow the decimal context when rounded
    assert Money("999999999999999.99", "EUR").rounded().to_minor() == 99999999999999999


def test_money_times_money_is_refused():
    with pytest.raises(TypeError):
        Money("1", "USD") * Money("2", "USD")


def test_formatting_per_locale():
    assert Money("1234.5", "MYR").format("en") == "MYR1,234.50"
    assert Money("1234.5", "MYR").format("ms") == "RM1,234.50"
    assert Money("1234", "JPY").format("en") == "¥1,234"
    assert "1,234.50" in Money("1234.5", "CNY").format("zh-hans")


@given(a=amounts, b=amounts, code=st.sampled_from(CODES))
def test_addition_is_exact_and_commutative(a, b, code):
    assert Money(a, code) + Money(b, code) == Money(b, code) + Money(a, code)
    assert (Money(a, code) + Money(b, code)).amount == a + b
    assert Money(a, code) - Money(a, code) == Money.zero(code)


@given(a=amounts, code=st.sampled_from(CODES))
def test_rounding_is_idempotent_and_within_half_a_unit(a, code):
    r = Money(a, code).rounded()
    assert r.rounded() == r
    half = Decimal(1).scaleb(-r.minor_unit) / 2
    assert abs(r.amount - a) <= half


@given(units=st.integers(min_value=-10**9, max_value=10**9), code=st.sampled_from(CODES))
def test_minor_units_round_trip(units, code):
    assert Money.from_minor(units, code).to_minor() == units


@given(units=st.integers(min_value=0, max_value=10**9), code=st.sampled_from(CODES),
       ratios=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(lambda r: sum(r) > 0))
def test_allocation_never_loses_or_creates_a_minor_unit(units, code, ratios):
    total = Money.from_minor(units, code)
    parts = total.allocate(ratios)
    assert sum(parts, Money.zero(code)) == total
    assert all(p.is_rounded() and not p.is_negative() for p in parts)
    # each part is within one minor unit of its exact share
    for part, r in zip(parts, ratios, strict=True):
        exact = Decimal(units) * r / sum(ratios)
        assert abs(part.to_minor() - exact) < 1


def test_allocate_refuses_unrounded_amounts():
    with pytest.raises(ValueError):
        Money("1.005", "USD").allocate([1, 1])
