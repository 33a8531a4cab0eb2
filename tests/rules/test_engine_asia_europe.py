"""Worked examples for SG, MY, CN, JP, NO and CH, arithmetic written out."""

from __future__ import annotations

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine import quote
from tests.rules.helpers import amounts, req


def test_sg_ovr_vendor_charges_gst_at_sale():
    # air, items 50 <= SGD 400: GST 9% x (100 + 10) = 9.90 at checkout; 8% in 2023
    body = req("SG", "SGD", [("610910", 2, "50.00")], mode="air", shipping="10.00", regs=["SG-OVR"])
    assert amounts(quote(body)) == ["9.90"]
    assert amounts(quote({**body, "date": "2023-06-01"})) == ["8.80"]


def test_sg_unregistered_air_relief_but_sea_pays_gst():
    assert quote(req("SG", "SGD", [("610910", 2, "50.00")], mode="air", shipping="10.00"))["regime"]["code"] \
        == "SG-RELIEF"
    # sea: GST 9% x (CIF 110 + duty 0) = 9.90 at the border
    r = quote(req("SG", "SGD", [("610910", 2, "50.00")], mode="sea", shipping="10.00"))
    assert amounts(r, "tax") == ["9.90"] and r["totals"]["at_border"] == "9.90"


def test_sg_chewing_gum_refused():
    with pytest.raises(ValidationFailed) as e:
        quote(req("SG", "SGD", [("170410", 10, "1.00")]))
    assert "SG-CHEWING-GUM" in e.value.fields["lines.0.hs_code"][0]


def test_my_lvg_sales_tax_excludes_transport():
    # 10% x 200 (shipping 20 excluded) = 20.00 at checkout
    r = quote(req("MY", "MYR", [("610910", 2, "100.00")], shipping="20.00", regs=["MY-LVG"]))
    assert r["regime"]["code"] == "MY-LVG" and amounts(r) == ["20.00"]
    assert r["values"]["tax_base"] == "200.00"


def test_my_unregistered_courier_de_minimis_and_sea_import():
    assert quote(req("MY", "MYR", [("610910", 2, "100.00")], shipping="20.00"))["regime"]["code"] == "MY-DEMINIMIS"
    # sea: duty 0 on laptop, sales tax 10% x (100 + 20) = 12.00
    r = quote(req("MY", "MYR", [("847130", 1, "100.00")], shipping="20.00", mode="sea"))
    assert amounts(r, "tax") == ["12.00"]


def test_cn_cbec_within_limits_70_percent():
    # shipping 100 split 50/50; each line price 1050; VAT 13% x 70% -> 1050 x 0.13 x 0.7 = 95.55 each
    r = quote(req("CN", "CNY", [("330499", 1, "1000.00"), ("610910", 2, "500.00")], shipping="100.00"))
    assert r["regime"]["code"] == "CN-CBEC" and amounts(r, "tax") == ["95.55", "95.55"]
    assert r["totals"]["duty"] == "0.00" and r["totals"]["at_checkout"] == "191.10"


def test_cn_cbec_consumption_tax_on_tax_inclusive_base():
    # tax = 1050 x (0.13 + 0.15) / (1 - 0.15) x 0.7 = 242.1176...; split: CT 1050 x .15 x .7 / .85 = 129.7059 -> 129.71,
    # VAT 1050 x .13 x .7 / .85 = 112.4118 -> 112.41
    r = quote(req("CN", "CNY", [("330499", 1, "1000.00", "FR", {"excise_rate": "0.15"}), ("610910", 2, "500.00")],
                  shipping="100.00"))
    line1 = {c["name"]: c["amount"] for c in r["charges"] if c["line"] == 1}
    assert line1 == {"Consumption tax (CBEC, 70%)": "129.71", "Import VAT (CBEC, 70%)": "112.41"}
    assert "overrides the rule pack" in " ".join(r["explanation"])


def test_cn_single_indivisible_item_over_5000_taxed_in_full():
    # laptop 8000 > 5000 but within 26000 a year: CBEC, duty 0% (MFN), VAT 13% x 8000 = 1040.00 at checkout
    r = quote(req("CN", "CNY", [("847130", 1, "8000.00")]))
    assert r["regime"]["code"] == "CN-CBEC-FULL" and amounts(r, "tax") == ["1040.00"]
    assert r["totals"]["at_checkout"] == "1040.00"


def test_cn_two_items_over_5000_general_trade():
    r = quote(req("CN", "CNY", [("847130", 2, "3000.00")]))
    assert r["regime"]["code"] == "CN-GENERAL" and r["totals"]["at_border"] == "780.00"  # 13% x 6000


def test_cn_annual_limit_exceeded_general_trade():
    # used 25990 + 100 > 26000: general trade; duty 7% (given) = 7.00; VAT 13% x 107 = 13.91
    r = quote(req("CN", "CNY", [("610910", 1, "100.00", "IT", {"duty_rate": "0.07"})], used="25990.00"))
    assert r["regime"]["code"] == "CN-GENERAL"
    assert amounts(r, "duty") == ["7.00"] and amounts(r, "tax") == ["13.91"]
    assert r["charges"][0]["rate_source"] == "given on the line"


def test_cn_general_trade_without_a_rate_names_the_code():
    with pytest.raises(ValidationFailed) as e:
        quote(req("CN", "CNY", [("871200", 1, "100.00")], used="25990.00"))
    assert "871200" in e.value.fields["lines.0.hs_code"][0]


def test_cn_high_end_watch_consumption_tax():
    # one watch 12000 > 5000: CBEC full; duty 10% (given) = 1200; CT 20%: 13200 x .2 / .8 = 3300;
    # VAT 13% x 13200 / .8 = 2145
    r = quote(req("CN", "CNY", [("910211", 1, "12000.00", "CH", {"duty_rate": "0.10"})]))
    assert {c["name"]: c["amount"] for c in r["charges"]} == {
        "Import duty": "1200.00", "Consumption tax": "3300.00", "Import VAT": "2145.00"}


def test_jp_exemption_uses_60_percent_of_retail_price():
    # cv = 0.6 x 15000 + 1000 = 10000 <= 10000: exempt; at 20000: cv 13000, CT 10% = 1300
    assert quote(req("JP", "JPY", [("847130", 1, "15000")], shipping="1000"))["regime"]["code"] == "JP-EXEMPT"
    r = quote(req("JP", "JPY", [("847130", 1, "20000")], shipping="1000"))
    assert amounts(r, "tax") == ["1300"] and r["totals"]["at_border"] == "1300"


def test_jp_food_reduced_rate_and_yen_rounding():
    # coffee 4 x 5000: cv 12000 + 1000 = 13000; duty 12% = 1560; CT 8% x 14560 = 1164.8 -> 1165
    r = quote(req("JP", "JPY", [("090121", 4, "5000")], shipping="1000"))
    assert amounts(r, "duty") == ["1560"] and amounts(r, "tax") == ["1165"]


def test_jp_after_april_2028_no_rules_yet():
    with pytest.raises(ValidationFailed) as e:
        quote(req("JP", "JPY", [("847130", 1, "15000")], date="2028-05-01"))
    assert "date" in e.value.fields


def test_no_voec_vat_at_sale_and_border_without_registration():
    # VOEC: 25% x (1000 + 100) = 275.00 at checkout
    assert amounts(quote(req("NO", "NOK", [("610910", 2, "500.00")], shipping="100.00", regs=["NO-VOEC"]))) \
        == ["275.00"]
    # unregistered: duty 10.7% x 1100 = 117.70; VAT 25% x 1217.70 = 304.425 -> 304.43
    r = quote(req("NO", "NOK", [("610910", 2, "500.00")], shipping="100.00"))
    assert amounts(r, "duty") == ["117.70"] and amounts(r, "tax") == ["304.43"]


def test_no_item_of_3000_or_more_goes_to_the_border():
    r = quote(req("NO", "NOK", [("847130", 1, "5000.00")], regs=["NO-VOEC"]))
    assert r["regime"]["code"] == "NO-IMPORT" and amounts(r, "tax") == ["1250.00"]


def test_ch_vat_under_5_not_collected():
    # 8.1% x 50 = 4.05 < 5: nothing; 8.1% x 110 = 8.91 at the border
    assert quote(req("CH", "CHF", [("610910", 1, "40.00")], shipping="10.00"))["totals"]["at_border"] == "0.00"
    r = quote(req("CH", "CHF", [("610910", 1, "100.00")], shipping="10.00"))
    assert amounts(r, "tax") == ["8.91"] and r["regime"]["code"] == "CH-IMPORT"


def test_ch_registered_seller_charges_vat_at_checkout():
    r = quote(req("CH", "CHF", [("610910", 1, "40.00")], shipping="10.00", regs=["CH-VAT"]))
    assert amounts(r, "tax") == ["4.05"] and r["totals"]["at_checkout"] == "4.05"


def test_ch_agricultural_goods_without_rate_error():
    with pytest.raises(ValidationFailed) as e:
        quote(req("CH", "CHF", [("090121", 1, "40.00")]))
    assert "lines.0.hs_code" in e.value.fields
