"""Pages: jurisdictions, rules with dates and sources, tariff lines, the calculator; in three languages."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture(scope="module", autouse=True)
def _catalogues():
    """Compiled catalogues (.mo files are not committed); drop any translations cached before."""
    from django.utils.translation import trans_real

    from ewtp.web.compile_messages import compile_all

    compile_all()
    trans_real._translations.clear()


@pytest.fixture
def client(db):
    return Client()


def test_jurisdictions_list_every_pack(client):
    r = client.get("/reference/jurisdictions/")
    assert r.status_code == 200
    for code in ("EU", "GB", "US", "AU", "NZ", "CA", "SG", "MY", "CN", "JP", "NO", "CH"):
        assert f'/reference/jurisdictions/{code}/"' in r.content.decode()


def test_rules_page_shows_dates_and_sources(client):
    html = client.get("/reference/jurisdictions/US/").content.decode()
    assert "US-DEMINIMIS-SUSPENDED" in html and "2025-08-29" in html and "Executive Order 14324" in html
    html = client.get("/reference/jurisdictions/EU/?on=2026-11-20&member=DE").content.decode()
    assert "EU-DUTY-FLAT-3" in html and "EU-DUTY-RELIEF-150" not in html and "EU-VAT-DE-2021-01-01" in html
    assert client.get("/reference/jurisdictions/XX/").status_code == 404


def test_tariff_page_lists_rates_with_sources(client):
    html = client.get("/reference/jurisdictions/GB/tariff/").content.decode()
    assert "070200" in html and "UK Trade Tariff API commodity record 0702000007" in html
    assert "93.10 EUR / 100 kg" in html  # shown as not computed
    assert "610910" in client.get("/reference/jurisdictions/EU/tariff/").content.decode()


def _form(**over):
    data = {"date": "2026-11-20", "country": "AU", "subdivision": "", "ship_from": "CN", "mode": "courier",
            "incoterm": "DDP", "currency": "AUD", "shipping": "20.00", "insurance": "0.00", "cbec_used": "0",
            "registrations": ["AU-GST"], "hs_0": "610910", "desc_0": "tee", "origin_0": "CN", "qty_0": "2",
            "price_0": "50.00"}
    data.update(over)
    return data


def test_calculator_quotes_with_the_engine(client):
    assert client.get("/reference/calculator/").status_code == 200
    r = client.post("/reference/calculator/", _form())
    html = r.content.decode()
    assert r.status_code == 200 and "AU-LVIG-1000" in html and "12.00" in html


def test_calculator_htmx_fragment_and_errors_name_fields(client):
    r = client.post("/reference/calculator/", _form(qty_0="0"), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "lines.0.quantity" in html and "<html" not in html
    r = client.post("/reference/calculator/", _form(country="BR"))
    assert r.status_code == 422 and "destination.country" in r.content.decode()


@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "落地成本计算器"), ("ms", "Kalkulator kos pendaratan")])
def test_calculator_translated(client, lang, text):
    client.cookies["django_language"] = lang
    assert text in client.get("/reference/calculator/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


@pytest.mark.parametrize(("lang", "names"), [("zh-hans", ["欧盟", "日本"]), ("ms", ["Kesatuan Eropah", "Jepun"])])
def test_jurisdiction_names_translated(client, lang, names):
    client.cookies["django_language"] = lang
    html = client.get("/reference/jurisdictions/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert all(n in html for n in names)
