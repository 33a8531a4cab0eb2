"""Whatever arrives, the engine answers or refuses with ValidationFailed naming fields: never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ewtp.core.errors import AppError
from ewtp.rules.engine import quote
from tests.rules.helpers import req

JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                    | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
FIELDS = ["date", "destination", "ship_from", "mode", "incoterm", "currency", "prices_include_tax", "shipping",
          "insurance", "seller", "buyer", "lines", "fx"]
LINE_FIELDS = ["hs_code", "origin", "quantity", "unit_price", "unit_weight_kg", "duty_rate", "vat_rate", "excise_rate"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), JSON, st.sampled_from(LINE_FIELDS), JSON)
def test_mutated_requests_never_crash(field, value, line_field, line_value):
    body = req("DE", "EUR", [("610910", 2, "20.00"), ("420221", 1, "35.00")], regs=["EU-IOSS"])
    body[field] = value
    if isinstance(body.get("lines"), list) and body["lines"] and isinstance(body["lines"][0], dict):
        body["lines"][0][line_field] = line_value
    try:
        quote(body)
    except AppError as exc:
        assert exc.status == 422 and exc.fields


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_any_json_never_crashes(value):
    try:
        quote(value)
    except AppError as exc:
        assert exc.status == 422 and exc.fields
