"""Worked examples for US, AU, NZ and CA, arithmetic written out."""

from __future__ import annotations

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine import quote
from tests.rules.helpers import amounts, req


def test_us_de_minimis_before_august_2025():
    # 2 x 20 = 40 <= USD 800, origin VN: no duty
    r = quote(req("US", "USD", [("610910", 2, "20.00", "VN")], date="2025-06-01", shipping="15.00"))
    assert r["regime"]["code"] == "US-DEMINIMIS" and r["charges"] == []
    assert r["totals"]["duty"] == "0.00"


def test_us_chinese_origin_lost_de_minimis_in_may_2025():
    # duty 16.5% x 40 (transaction value, shipping excluded) = 6.60
    r = quote(req("US", "USD", [("610910", 2, "20.00", "CN")], date="2025-06-01", shipping="15.00"))
    assert amounts(r, "duty") == ["6.60"] and r["values"]["customs"] == "40.00"


def test_us_no_de_minimis_and_section_122_surcharge_in_march_2026():
    # duty 6.60 + surcharge 10% x 40 = 4.00 + MPF informal 2.69
    r = quote(req("US", "USD", [("610910", 2, "20.00", "VN")], date="2026-03-02"))
    assert amounts(r, "duty") == ["6.60", "4.00"]
    assert amounts(r, "fee") == ["2.69"]
    assert r["totals"]["at_border"] == "13.29"


def test_us_november_2026_no_surcharge():
    r = quote(req("US", "USD", [("610910", 2, "20.00", "VN")]))
    assert r["totals"] == {"duty": "6.60", "tax": "0.00", "fees": "2.69", "at_checkout": "0.00", "at_border": "9.29"}


def test_us_formal_entry_mpf_minimum():
    # value 3000 > 2500: MPF 0.3464% x 3000 = 10.392 -> raised to the minimum 33.58
    r = quote(req("US", "USD", [("847130", 1, "3000.00", "CN")], incoterm="DDP"))
    assert amounts(r, "fee") == ["33.58"] and r["totals"]["at_checkout"] == "33.58"


def test_au_registered_seller_gst_at_sale():
    # 2 x 50 = 100 <= AUD 1000; GST 10% x (100 + 20 delivery) = 12.00 at checkout
    r = quote(req("AU", "AUD", [("610910", 2, "50.00")], shipping="20.00", regs=["AU-GST"]))
    assert r["regime"]["code"] == "AU-LVIG" and amounts(r) == ["12.00"]
    assert r["values"] == {"threshold": "100.00", "customs": "100.00", "tax_base": "120.00"}


def test_au_unregistered_low_value_nothing_collected():
    r = quote(req("AU", "AUD", [("610910", 2, "50.00")], shipping="20.00"))
    assert r["totals"]["at_checkout"] == "0.00" and r["totals"]["at_border"] == "0.00"


def test_au_above_1000_duty_and_gst_on_voti():
    # cv 30 x 50 = 1500; duty 5% = 75; GST 10% x (1500 + 75 + 20) = 159.50
    r = quote(req("AU", "AUD", [("610910", 30, "50.00")], shipping="20.00", regs=["AU-GST"]))
    assert amounts(r, "duty") == ["75.00"] and amounts(r, "tax") == ["159.50"]
    assert r["values"]["tax_base"] == "1595.00"


def test_au_prices_including_gst_are_stripped():
    # 110 incl. GST -> 100 net; GST 10.00
    r = quote(req("AU", "AUD", [("610910", 1, "110.00")], regs=["AU-GST"], prices_include_tax=True))
    assert amounts(r) == ["10.00"]


def test_au_given_fx_rate_is_used_and_reported():
    # 2 x 10 USD x 1.5 = 30 AUD; GST 3.00
    r = quote(req("AU", "USD", [("610910", 2, "10.00")], regs=["AU-GST"],
                  fx=[{"from": "USD", "to": "AUD", "rate": "1.5"}]))
    assert amounts(r) == ["3.00"]
    assert r["fx"] == [{"from": "USD", "to": "AUD", "rate": "1.5", "date": "2026-11-20", "source": "given"}]


def test_au_vapes_refused():
    with pytest.raises(ValidationFailed) as e:
        quote(req("AU", "AUD", [("854340", 1, "30.00")]))
    assert "AU-VAPES-2024" in e.value.fields["lines.0.hs_code"][0]


def test_nz_per_item_split_between_sale_and_border():
    # shipping 25 spread by value: laptop 25 x 1200/1250 = 24, T-shirt 1
    # T-shirt (50 <= 1000): GST 15% x 51 = 7.65 at checkout
    # laptop (1200 > 1000): duty 0; GST 15% x (1200 + 24) = 183.60 at the border
    r = quote(req("NZ", "NZD", [("610910", 1, "50.00"), ("847130", 1, "1200.00")], shipping="25.00",
                  regs=["NZ-GST"]))
    by_line = {(c["line"], c["kind"]): (c["amount"], c["collected_at"]) for c in r["charges"]}
    assert by_line[(1, "tax")] == ("7.65", "checkout")
    assert by_line[(2, "tax")] == ("183.60", "border")
    assert r["totals"]["at_checkout"] == "7.65" and r["totals"]["at_border"] == "183.60"


def test_nz_unregistered_low_consignment_free():
    r = quote(req("NZ", "NZD", [("610910", 2, "50.00")], shipping="10.00"))
    assert r["regime"]["code"] == "NZ-EXEMPT" and r["totals"]["at_border"] == "0.00"


def test_ca_courier_from_us_taxes_only_up_to_150():
    # VFD 100 <= 150 via courier from US: no duty; GST 5% x 100 = 5.00; with ON: HST 13% = 13.00
    body = req("CA", "CAD", [("610910", 1, "100.00")], ship_from="US", shipping="10.00")
    r = quote(body)
    assert r["regime"]["code"] == "CA-TAX-ONLY" and amounts(r) == ["5.00"]
    assert amounts(quote({**body, "destination": {"country": "CA", "subdivision": "ON"}}), "tax", "HST") == ["13.00"]


def test_ca_same_goods_by_post_from_china():
    # post: over CAD 20 -> duty 18% x 25 = 4.50; GST 5% x 29.50 = 1.475 -> 1.48
    r = quote(req("CA", "CAD", [("610910", 1, "25.00")], mode="post", ship_from="CN"))
    assert amounts(r, "duty") == ["4.50"] and amounts(r, "tax") == ["1.48"]


def test_ca_place_of_shipment_not_origin_decides():
    # 15.00 by courier: from US free (<= 40), from CN taxed (> 20)
    assert quote(req("CA", "CAD", [("610910", 1, "15.00")], ship_from="US"))["regime"]["code"] == "CA-FREE"
    assert quote(req("CA", "CAD", [("610910", 1, "30.00", "US")], ship_from="CN"))["totals"]["duty"] == "0.00"
    r = quote(req("CA", "CAD", [("610910", 1, "30.00")], ship_from="CN"))
    assert r["totals"]["duty"] == "5.40" and r["totals"]["tax"] == "1.77"  # 18% x 30; 5% x 35.40


def test_ca_nova_scotia_hst_cut_in_april_2025():
    body = req("CA", "CAD", [("847130", 1, "1000.00")], ship_from="CN", subdivision="NS")
    assert amounts(quote({**body, "date": "2025-03-31"}), "tax") == ["150.00"]
    assert amounts(quote({**body, "date": "2025-04-01"}), "tax") == ["140.00"]
