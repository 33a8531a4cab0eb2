"""POST /api/v1/quotes: public, the engine's contract, 422 naming the field, nothing written."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.rules.helpers import req


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label != "core.IdempotencyRecord"}


@pytest.mark.django_db
def test_quote_ok_without_account(api):
    r = api.post("/quotes", req("AU", "AUD", [("610910", 2, "50.00")], shipping="20.00", regs=["AU-GST"]))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["totals"]["tax"] == "12.00" and body["currency"] == "AUD"
    assert set(body) == {"destination", "currency", "date", "regime", "values", "charges", "totals", "fx",
                         "explanation"}


@pytest.mark.django_db
@pytest.mark.parametrize(("patch", "field"), [
    ({"destination": {"country": "XX"}}, "destination.country"),
    ({"currency": "ABC"}, "currency"),
    ({"date": "2026-13-01"}, "date"),
    ({"shipping": "12,50"}, "shipping"),
    ({"shipping": 12.5}, "shipping"),
    ({"date": "2010-01-01"}, "date"),
    ({"destination": {"country": "BR"}}, "destination.country"),
    ({"mode": "rail"}, "mode"),
    ({"seller": {"registrations": ["XX-VAT"]}}, "seller.registrations.0"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_input_is_422_naming_the_field(api, patch, field):
    before = _row_counts()
    r = api.post("/quotes", {**req("AU", "AUD", [("610910", 1, "10.00")]), **patch})
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]
    assert _row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("line", "field"), [
    (("610910", 0, "10.00"), "lines.0.quantity"),
    (("610910", -2, "10.00"), "lines.0.quantity"),
    (("999999", 1, "10.00"), "lines.0.hs_code"),
    (("610910", 1, "ten"), "lines.0.unit_price"),
    (("610910", 1, "-1.00"), "lines.0.unit_price"),
    (("610910", 1, "10.00", "ZZ"), "lines.0.origin"),
])
def test_bad_lines_are_422_naming_the_field(api, line, field):
    r = api.post("/quotes", req("AU", "AUD", [line]))
    assert r.status_code == 422
    assert field in r.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_empty_line_is_422_not_dropped(api):
    body = req("AU", "AUD", [("610910", 1, "10.00")])
    body["lines"] = [{}]  # once a 500 (nothing left to quote); beside a good line, silently dropped
    r = api.post("/quotes", body)
    assert r.status_code == 422 and {"lines.0.quantity", "lines.0.hs_code"} <= r.json()["error"]["fields"].keys()
    body["lines"] = [req("AU", "AUD", [("610910", 1, "10.00")])["lines"][0], {}]
    r = api.post("/quotes", body)
    assert r.status_code == 422 and "lines.1.quantity" in r.json()["error"]["fields"]


@pytest.mark.django_db
def test_unknown_rate_is_422_naming_the_code(api):
    r = api.post("/quotes", req("MY", "MYR", [("871200", 1, "900.00")], mode="sea"))
    assert r.status_code == 422
    assert "871200" in r.json()["error"]["fields"]["lines.0.hs_code"][0]


@pytest.mark.django_db
def test_malformed_json_is_400(api):
    r = api.post("/quotes", raw="{not json")
    assert r.status_code == 400
