"""Properties of every quote, and batch == scalar to the cent, on random baskets."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ewtp.core.errors import AppError
from ewtp.rules.engine import quote
from ewtp.rules.engine.batch import Baskets, quote_batch
from tests.rules.strategies import DESTINATIONS, basket

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _quote(body):
    try:
        return quote(body)
    except AppError as exc:
        return exc


@SETTINGS
@given(basket())
def test_totals_are_sums_of_charges_and_nothing_is_negative(body):
    r = _quote(body)
    if isinstance(r, AppError):
        assert r.fields, "every refusal names a field"
        return
    t = {k: Decimal(v) for k, v in r["totals"].items()}
    by_kind = {"duty": Decimal(0), "tax": Decimal(0), "fee": Decimal(0)}
    for c in r["charges"]:
        a = Decimal(c["amount"])
        assert a >= 0 and Decimal(c["base"]) >= 0
        assert a == a.quantize(Decimal(t["duty"]))  # rounded to the currency's minor unit
        assert c["rule"]["id"] and c["rule"]["version"] and c["rule"]["source"]
        by_kind[c["kind"]] += a
    assert (t["duty"], t["tax"], t["fees"]) == (by_kind["duty"], by_kind["tax"], by_kind["fee"])
    assert t["at_checkout"] + t["at_border"] == t["duty"] + t["tax"] + t["fees"]
    assert all(v >= 0 for v in t.values())
    assert all(Decimal(v) >= 0 for v in r["values"].values())
    assert r["explanation"] and r["regime"]["collection"] in ("checkout", "border")


def _minor(r: dict) -> dict[str, int]:
    m = -Decimal(r["totals"]["duty"]).as_tuple().exponent
    return {k: int(Decimal(v).scaleb(m)) for k, v in r["totals"].items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(*[basket(d) for d in sorted(DESTINATIONS)]), min_size=1, max_size=40))
def test_batch_equals_scalar_to_the_cent(bodies):
    res = quote_batch(Baskets.from_requests(bodies))
    for i, body in enumerate(bodies):
        r = _quote(body)
        if isinstance(r, AppError):
            assert res.error[i] == r.message
            continue
        assert res.error[i] is None
        assert res.currency[i] == r["currency"]
        assert res.totals(i) == _minor(r), (body, r["totals"])


def test_batch_covers_every_destination_without_fallback():
    """A clean basket per destination is settled by the vectorised path, not by the exact fallback."""
    bodies = []
    for d, ccy in DESTINATIONS.items():
        bodies.append({"date": "2026-11-20", "destination": {"country": d, "subdivision": ""}, "ship_from": "CN",
                       "mode": "courier", "incoterm": "DAP", "currency": ccy, "shipping": "3.10", "insurance": "0.00",
                       "seller": {"registrations": []}, "buyer": {"cbec_used_this_year": "0.00"},
                       "lines": [{"hs_code": "847130", "origin": "CN", "quantity": 1, "unit_price": "1234.57"}]})
    res = quote_batch(Baskets.from_requests(bodies))
    assert not res.exact.any()
    for i, body in enumerate(bodies):
        assert res.totals(i) == _minor(quote(body))
