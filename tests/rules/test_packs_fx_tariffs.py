"""The rules layer: pack validation, EU VAT history, ECB rates, tariff schedules and the UK loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.rules import fx
from ewtp.rules.packs import packs, parse_pack, validate_all
from ewtp.rules.tariffs import lookup
from ewtp.rules.tariffs.uk import load_uk_records


def test_every_shipped_pack_is_valid_and_cited():
    count, problems = validate_all()
    assert problems == [] and count > 100
    assert set(packs()) == {"EU", "GB", "US", "AU", "NZ", "CA", "SG", "MY", "CN", "JP", "NO", "CH"}
    for p in packs().values():
        for r in p.rules + p.restrictions:
            assert r.id and r.version and r.source


def test_validate_finds_overlaps_and_missing_sources(tmp_path):
    bad = tmp_path / "xx.toml"
    bad.write_text('''code = "XX"\nname = "X"\nregime = "au"\ncurrency = "AUD"\nrounding = "line"
coverage_from = 2020-01-01
[[rules]]
key = "gst"
id = "A"
version = "1"
title = "a"
effective_from = 2020-01-01
source = "s"
[[rules]]
key = "gst"
id = "B"
version = "1"
title = "b"
effective_from = 2021-01-01
source = ""
''')
    _, problems = parse_pack(bad)
    assert any("overlap" in p for p in problems)
    assert any("missing source" in p for p in problems)


def test_eu_vat_history_and_bulgarian_euro():
    eu = packs()["EU"]
    assert eu.need("vat.DE", date(2020, 8, 1)).params["rate"] == "0.16"
    assert eu.need("vat.DE", date(2021, 8, 1)).params["rate"] == "0.19"
    assert eu.need("currency.BG", date(2025, 12, 31)).params["currency"] == "BGN"
    assert eu.need("currency.BG", date(2026, 1, 1)).params["currency"] == "EUR"


def test_ecb_rate_of_the_day_or_last_before_with_date_used():
    r = fx.ecb_rate("EUR", "USD", date(2026, 4, 13))
    assert r.rate == Decimal("1.1684") and r.on == date(2026, 4, 13)
    sat = fx.ecb_rate("EUR", "USD", date(2026, 4, 11))  # a Saturday: Friday's rate
    assert sat.on == date(2026, 4, 10) and sat.rate == Decimal("1.1711")
    cross = fx.ecb_rate("USD", "GBP", date(2026, 4, 13))  # via EUR: 0.87058 / 1.1684
    assert cross.rate == Decimal("0.7451044163")
    with pytest.raises(ValidationFailed):
        fx.ecb_rate("USD", "EUR", date(1998, 1, 1))


def test_uk_loader_reads_dated_and_compound_duties():
    lines = {ln.code: ln for ln in load_uk_records()}
    tom = lines["070200"]
    assert tom.rate == Decimal("0.08") and tom.effective_to == date(2021, 5, 14)
    assert lines["010229"].rate is None and "EUR / 100 kg" in lines["010229"].unsupported
    assert lines["720211"].rate == Decimal("0.027")
    assert lookup("GB", "070200", date(2021, 7, 1)) is None  # outside the seasonal measure


def test_tariff_defaults_and_unknowns():
    assert lookup("SG", "610910", date(2026, 1, 1)).rate == 0
    assert lookup("SG", "220300", date(2026, 1, 1)) is None  # liquor: no shipped rate
    assert lookup("CH", "610910", date(2023, 6, 1)) is None  # before the industrial tariff abolition
    assert lookup("EU", "610910", date(2026, 1, 1)).rate == Decimal("0.12")
    assert lookup("MY", "871200", date(2026, 1, 1)) is None  # bicycles: no shipped rate


def test_a_quote_reads_no_database_and_no_files(db, django_assert_num_queries, monkeypatch):
    import builtins

    from ewtp.rules.engine import quote
    from ewtp.rules.engine.context import warm
    from tests.rules.helpers import req

    warm()
    body = req("DE", "USD", [("610910", 2, "20.00")], regs=["EU-IOSS"])
    quote(body)  # first use of each lookup

    def no_open(*a, **k):
        raise AssertionError(f"file opened during a quote: {a[:1]}")

    monkeypatch.setattr(builtins, "open", no_open)
    with django_assert_num_queries(0):
        assert quote(body)["totals"]["duty"] == "3.00"
