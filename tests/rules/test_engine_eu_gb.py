"""Worked examples for the EU and GB packs, arithmetic written out."""

from __future__ import annotations

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine import quote
from tests.rules.helpers import amounts, req


def test_eu_ioss_before_july_2026_no_duty():
    # intrinsic 2 x 20.00 = 40.00 <= EUR 150; relief: no duty; IOSS VAT DE 19% x (40 + 10 shipping) = 9.50
    r = quote(req("DE", "EUR", [("610910", 2, "20.00")], date="2025-06-01", regs=["EU-IOSS"], shipping="10.00"))
    assert r["regime"] == {"code": "EU-IOSS", "name": r["regime"]["name"], "low_value": True, "collection": "checkout"}
    assert amounts(r, "duty") == []
    assert amounts(r, "tax") == ["9.50"]
    assert r["values"] == {"threshold": "40.00", "customs": "50.00", "tax_base": "50.00"}
    assert r["totals"]["at_checkout"] == "9.50" and r["totals"]["at_border"] == "0.00"
    assert r["charges"][0]["rule"]["id"] == "EU-IOSS"


def test_eu_flat_3_per_item_from_july_2026():
    # same basket, 2026-11-20: EUR 3 for the one subheading; VAT 19% x (40 + 10 + 3) = 10.07
    r = quote(req("DE", "EUR", [("610910", 2, "20.00")], regs=["EU-IOSS"], shipping="10.00"))
    assert amounts(r, "duty") == ["3.00"]
    assert amounts(r, "tax") == ["10.07"]
    assert r["totals"] == {"duty": "3.00", "tax": "10.07", "fees": "0.00", "at_checkout": "13.07", "at_border": "0.00"}
    assert [c["rule"]["id"] for c in r["charges"]] == ["EU-DUTY-FLAT-3", "EU-IOSS"]


def test_eu_same_basket_differs_by_date():
    body = req("FR", "EUR", [("610910", 1, "30.00")], regs=["EU-IOSS"])
    assert quote(body)["totals"] != quote({**body, "date": "2025-06-01"})["totals"]


def test_eu_flat_duty_counts_distinct_subheadings_not_units():
    # 610910 on two lines is one item; 420221 another: 2 x EUR 3 = 6.00, collected at the border without IOSS
    r = quote(req("NL", "EUR", [("610910", 2, "10.00"), ("610910", 1, "5.00"), ("420221", 1, "30.00")]))
    assert r["totals"]["duty"] == "6.00"
    assert r["regime"]["code"] == "EU-LVC"
    assert {c["collected_at"] for c in r["charges"]} == {"border"}
    # NL VAT 21%: line 1 (20 + 3) = 4.83; line 2 (5) = 1.05; line 3 (30 + 3) = 6.93
    assert amounts(r, "tax") == ["4.83", "1.05", "6.93"]


def test_eu_above_150_duty_and_import_vat():
    # cv = 10 x 20 + 10 = 210.00; duty 12% = 25.20; VAT 19% x 235.20 = 44.688 -> 44.69
    r = quote(req("DE", "EUR", [("610910", 10, "20.00")], shipping="10.00", regs=["EU-IOSS"]))
    assert r["regime"]["code"] == "EU-IMPORT" and not r["regime"]["low_value"]
    assert amounts(r, "duty") == ["25.20"] and amounts(r, "tax") == ["44.69"]
    assert r["values"] == {"threshold": "200.00", "customs": "210.00", "tax_base": "235.20"}


def test_eu_vat_history_is_dated():
    # Germany cut VAT to 16% from 2020-07-01 to 2020-12-31; pack coverage starts 2021-07-01
    with pytest.raises(ValidationFailed) as e:
        quote(req("DE", "EUR", [("610910", 1, "10.00")], date="2020-08-01"))
    assert "date" in e.value.fields
    # Finland 24% -> 25.5% from 2024-09-01
    body = req("FI", "EUR", [("610910", 1, "100.00")], regs=["EU-IOSS"])
    assert amounts(quote({**body, "date": "2024-08-31"}), "tax") == ["24.00"]
    assert amounts(quote({**body, "date": "2024-09-01"}), "tax") == ["25.50"]


def test_eu_no_rule_after_2028_for_low_value():
    with pytest.raises(ValidationFailed) as e:
        quote(req("DE", "EUR", [("610910", 1, "10.00")], date="2028-08-01"))
    assert "duty_low" in e.value.fields["date"][0]


def test_gb_up_to_135_supply_vat_at_sale():
    # 3 x 20 = 60 <= 135: no duty; VAT 20% x (60 + 5) = 13.00 at checkout, even when DAP
    r = quote(req("GB", "GBP", [("610910", 3, "20.00")], shipping="5.00", regs=["GB-VAT"]))
    assert r["regime"]["code"] == "GB-LVC"
    assert amounts(r) == ["13.00"] and r["charges"][0]["collected_at"] == "checkout"
    assert r["charges"][0]["rule"]["id"] == "GB-SUPPLY-VAT"


def test_gb_above_135_duty_and_import_vat_never_both():
    # cv = 200 + 5 = 205; duty 12% = 24.60; import VAT 20% x 229.60 = 45.92; no supply VAT
    r = quote(req("GB", "GBP", [("610910", 10, "20.00")], shipping="5.00", regs=["GB-VAT"]))
    assert amounts(r, "duty") == ["24.60"] and amounts(r, "tax") == ["45.92"]
    assert [c["name"] for c in r["charges"]] == ["Customs duty", "Import VAT"]
    assert r["totals"]["at_border"] == "70.52"


def test_gb_books_zero_rated():
    r = quote(req("GB", "GBP", [("490199", 2, "15.00")], regs=["GB-VAT"]))
    assert amounts(r) == ["0.00"]


def test_gb_uk_tariff_record_with_specific_duty_is_an_error_naming_the_code():
    with pytest.raises(ValidationFailed) as e:
        quote(req("GB", "GBP", [("010229", 1, "900.00")]))
    assert "lines.0.hs_code" in e.value.fields
    assert "93.10 EUR / 100 kg" in e.value.fields["lines.0.hs_code"][0]


def test_gb_origin_north_korea_refused_naming_the_rule():
    with pytest.raises(ValidationFailed) as e:
        quote(req("GB", "GBP", [("610910", 1, "10.00", "KP")]))
    assert e.value.code == "restricted_goods"
    assert "GB-KP-PROHIBITION" in e.value.fields["lines.0.origin"][0]


def test_bulgaria_quotes_in_lev_before_the_euro():
    body = req("BG", "EUR", [("610910", 1, "100.00")], regs=["EU-IOSS"])
    before = quote({**body, "date": "2025-06-02"})
    after = quote(body)
    assert before["currency"] == "BGN" and after["currency"] == "EUR"
    # 100 EUR x 1.9558 (the fixed conversion rate) = BGN 195.58; VAT 20% = 39.116 -> 39.12
    assert before["charges"][0]["amount"] == "39.12"
    assert before["fx"][0]["rate"] == "1.9558"


def test_ddp_moves_border_charges_to_checkout():
    # non-IOSS, 2025: import VAT 19% x 40 = 7.60, at the border under DAP and prepaid at checkout under DDP
    body = req("DE", "EUR", [("610910", 2, "20.00")], date="2025-06-02")
    assert quote(body)["totals"]["at_border"] == "7.60"
    ddp = quote({**body, "incoterm": "DDP"})
    assert ddp["totals"]["at_checkout"] == "7.60" and ddp["totals"]["at_border"] == "0.00"
