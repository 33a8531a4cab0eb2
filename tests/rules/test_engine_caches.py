"""The engine's remembered look-ups (Pack.memo, Schedule.memo, plan.py) are keyed by everything
they depend on, bounded, start afresh when packs or tariffs are reloaded, and never change an
answer: a quote with every memo warm equals the same quote with every memo empty."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings

from ewtp.core.errors import AppError
from ewtp.rules import packs as packs_module
from ewtp.rules import tariffs as tariffs_module
from ewtp.rules.engine import plan as plan_module
from ewtp.rules.engine import quote
from ewtp.rules.engine.memos import forget
from ewtp.rules.engine.plan import plan_for
from ewtp.rules.packs import HERE, pack_by_country, packs, parse_pack
from tests.rules.helpers import req
from tests.rules.strategies import basket

EU_TAX = "vat.{country}"


def _answer(body):
    try:
        return quote(body)
    except AppError as exc:
        return (type(exc).__name__, exc.message, exc.fields)


def _forget_everything() -> None:
    forget()  # pack, tariff and FX memos, and the engine's caches of strings and read-only columns
    assert not any(p.memo for p in packs().values())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(basket())
def test_a_quote_is_the_same_with_warm_and_with_empty_memos(body):
    warm = _answer(body)
    _forget_everything()
    assert _answer(body) == warm


def test_rule_lookups_follow_the_date_in_either_order():
    us = pack_by_country()["US"]
    before, after = date(2025, 8, 28), date(2025, 8, 29)  # US de minimis ends on 2025-08-29
    late = us.at("deminimis", after)  # asked first: a memo keyed without the date would answer it again
    early = us.at("deminimis", before)
    assert early is not None and early is not late
    assert early.in_force(before) and not early.in_force(after)
    assert us.at("deminimis", before) is early and us.at("deminimis", after) is late


def test_the_same_basket_on_two_dates_in_turn_keeps_both_answers():
    body = req("DE", "EUR", [("610910", 1, "20.00")])
    old, new = {**body, "date": "2026-06-30"}, {**body, "date": "2026-07-01"}  # EU relief -> EUR 3 per item
    first = quote(old)["totals"]
    assert quote(new)["totals"]["duty"] == "3.00" and first["duty"] == "0.00"
    assert quote(old)["totals"] == first


def test_a_reloaded_pack_remembers_nothing_of_the_old_one():
    de = pack_by_country()["DE"]
    on = date(2026, 11, 20)
    plan_for(de, "DE", on, EU_TAX)
    assert de.memo
    fresh, problems = parse_pack(HERE / de.file)
    assert not problems and fresh is not de and not fresh.memo
    assert fresh.at("threshold", on) == de.at("threshold", on)


def test_a_plan_is_rebuilt_when_the_tariffs_are_reloaded():
    de = pack_by_country()["DE"]
    on = date(2026, 11, 20)
    first = plan_for(de, "DE", on, EU_TAX)
    assert plan_for(de, "DE", on, EU_TAX) is first
    tariffs_module.schedules.cache_clear()
    again = plan_for(de, "DE", on, EU_TAX)
    assert again is not first and again.sched is tariffs_module.schedules()["EU"]


def test_plans_are_per_destination_and_date():
    de = pack_by_country()["DE"]
    on = date(2026, 11, 20)
    assert plan_for(de, "DE", on, EU_TAX).trule.key == "vat.DE"
    assert plan_for(de, "FR", on, EU_TAX).trule.key == "vat.FR"
    assert plan_for(de, "DE", on + timedelta(days=1), EU_TAX) is not plan_for(de, "DE", on, EU_TAX)


def test_memos_are_bounded(monkeypatch):
    monkeypatch.setattr(packs_module, "MEMO_MAX", 10)
    monkeypatch.setattr(tariffs_module, "MEMO_MAX", 10)
    monkeypatch.setattr(plan_module, "PER_PLAN_MAX", 10)
    pack, _ = parse_pack(HERE / "au.toml")
    sched = tariffs_module.schedules()["AU"]
    sched.memo.clear()
    start = date(2026, 1, 1)
    for i in range(50):
        on = start + timedelta(days=i)
        assert pack.at("gst", on) is not None
        sched.lookup("610910", on)
    assert 0 < len(pack.memo) <= 10 and 0 < len(sched.memo) <= 10
    plan = plan_for(pack, "AU", start, "gst")
    for code in ("610910", "851713", "490199", "950300", "330499", "420221", "090121", "847130") * 2:
        for origin in ("CN", "US"):
            plan.duty_rate(code + origin, start)
        plan.vat_rate(code)
    assert len(plan.duty) <= 10 and len(plan.vat) <= 10
