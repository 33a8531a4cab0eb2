from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.customs.risk import Facts, Rule, assess, draw, validate_rule

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def facts(**kw):
    base = dict(number="CN000000000001", lines=[{"gnum": 1, "hs_code": "3304990099", "unit_price": Decimal("50")}],
                value=Decimal("222"), buyer_year_to_date=Decimal(0), seller_since=NOW - timedelta(days=400), now=NOW)
    return Facts(**{**base, **kw})


def test_no_rules_is_green():
    assert assess([], facts()) == ("green", [])


def test_missing_hs_code_is_yellow():
    lane, reasons = assess([], facts(lines=[{"gnum": 1, "hs_code": "", "unit_price": Decimal(1)}]))
    assert lane == "yellow" and reasons[0]["kind"] == "missing_hs_code"


def test_value_below_typical():
    rule = Rule("value_below_typical", "yellow", {"hs_prefix": "3304", "typical_unit_price": "200", "ratio": "0.3"}, 1)
    assert assess([rule], facts())[0] == "yellow"  # 50 < 60
    assert assess([rule], facts(lines=[{"gnum": 1, "hs_code": "3304990099", "unit_price": Decimal(60)}]))[0] == "green"
    assert assess([rule], facts(lines=[{"gnum": 1, "hs_code": "6403990090", "unit_price": Decimal(1)}]))[0] == "green"


def test_restricted_goods_red_wins_over_yellow():
    rules = [Rule("random_sampling", "yellow", {"rate": "1"}, 1), Rule("restricted_goods", "red", {"hs_prefixes": ["3304"]}, 2)]
    lane, reasons = assess(rules, facts())
    assert lane == "red" and [r["rule"] for r in reasons] == [1, 2]


def test_new_or_unknown_seller():
    rule = Rule("new_seller", "yellow", {"min_age_days": 30})
    assert assess([rule], facts(seller_since=NOW - timedelta(days=3)))[0] == "yellow"
    assert assess([rule], facts(seller_since=None))[0] == "yellow"
    assert assess([rule], facts())[0] == "green"


def test_buyer_over_limit():
    rule = Rule("buyer_over_limit", "red", {"limit": "26000"})
    assert assess([rule], facts(buyer_year_to_date=Decimal("25778")))[0] == "green"  # exactly 26000
    assert assess([rule], facts(buyer_year_to_date=Decimal("25779")))[0] == "red"


def test_random_sampling_rate_is_respected_and_reproducible():
    rule = Rule("random_sampling", "yellow", {"rate": "0.1"})
    picked = sum(assess([rule], facts(number=f"CN{i:012d}"))[0] == "yellow" for i in range(4000))
    assert 300 < picked < 500
    assert draw("CN000000000007") == draw("CN000000000007")
    assert assess([Rule("random_sampling", "yellow", {"rate": "0"})], facts())[0] == "green"


@pytest.mark.parametrize("kind,lane,params", [
    ("nonsense", "red", {}), ("random_sampling", "green", {"rate": "0.1"}), ("random_sampling", "red", {"rate": "x"}),
    ("restricted_goods", "red", {"hs_prefixes": []}), ("new_seller", "red", {"min_age_days": "3"}),
    ("value_below_typical", "red", {"hs_prefix": "33", "typical_unit_price": "10", "ratio": "2"}),
])
def test_invalid_rules_refused(kind, lane, params):
    with pytest.raises(ValidationFailed):
        validate_rule(kind, lane, params)
