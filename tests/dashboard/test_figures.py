"""The dashboard's figures come from the database's own records, filtered by date and hub."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.core.currencies import get_currency
from ewtp.core.errors import ValidationFailed
from ewtp.core.money import Money
from ewtp.dashboard import figures as figs
from ewtp.market.models import Order, OrderLine
from ewtp.payments.models import Escrow, Payout

pytestmark = pytest.mark.django_db


def _all() -> figs.Filters:
    today = timezone.localdate()
    return figs.Filters(today - timedelta(days=1), today + timedelta(days=1))


def test_gmv_per_currency_equals_the_paid_orders(traded):
    g = figs.gmv_by_corridor(_all())
    by_currency: dict[str, Decimal] = {}
    for r in g["rows"]:
        by_currency[r["currency"]] = by_currency.get(r["currency"], Decimal(0)) + Decimal(r["total"])
    paid = Order.objects.exclude(state__in=figs.EXCLUDED_FROM_GMV).values("currency").annotate(t=Sum("total"))
    assert by_currency == {r["currency"]: r["t"] for r in paid} and by_currency
    assert sum(r["orders"] for r in g["rows"]) == Order.objects.exclude(state__in=figs.EXCLUDED_FROM_GMV).count()
    assert all("-" in c for c in g["top_corridors"]) and Decimal(g["total_usd"]) > 0


def test_duty_and_tax_collected_match_the_released_escrows(traded):
    d = figs.duty_and_tax(_all())["jurisdictions"]
    for e in Escrow.objects.filter(state=Escrow.POSTED).values("jurisdiction", "currency").annotate(
            duty=Sum("duty_minor"), tax=Sum("tax_minor")):
        got = d[e["jurisdiction"]]["collected"]["by_currency"].get(e["currency"], {"duty": "0", "tax": "0"})
        assert Decimal(got["duty"]) == Money.from_minor(e["duty"], e["currency"]).amount
        assert Decimal(got["tax"]) == Money.from_minor(e["tax"], e["currency"]).amount
    for j in d.values():  # amounts as the currency writes them, not a database SUM's trailing zeros
        for side in ("collected", "quoted"):
            for cur, amounts in j[side]["by_currency"].items():
                places = get_currency(cur).minor_unit
                assert all(len(v.partition(".")[2]) == places for v in amounts.values()), (cur, amounts)


def test_lanes_release_times_and_delivery_buckets(traded):
    c = figs.customs_lanes(_all())
    assert c["lanes"] == {"green": 3, "yellow": 2, "red": 1}
    assert c["release_time"]["<1h"] == 2 and c["release_time"]["1-3d"] == 2 and sum(c["release_time"].values()) == 4
    dl = figs.delivery_times(_all())
    assert sum(sum(h.values()) for h in dl["corridors"].values()) == 6
    counts = {b: sum(h[b] for h in dl["corridors"].values()) for b in dl["buckets"]}
    assert counts == {"<3d": 1, "3-5d": 1, "5-8d": 1, "8-12d": 2, ">12d": 1}  # 2, 4, 6, 8, 10, 12 days


def test_hub_filter_splits_orders_between_hubs_and_no_hub(traded):
    today = _all()
    totals = []
    for hub in ("HGH", "KUL", figs.NO_HUB):
        f = figs.Filters(today.start, today.end, hub)
        totals.append(sum(r["orders"] for r in figs.gmv_by_corridor(f)["rows"]))
        assert sum(figs.customs_lanes(f)["lanes"].values()) == (3 if hub != figs.NO_HUB else 0)
    assert totals[0] == 3 and totals[1] == 3
    assert sum(totals) == sum(r["orders"] for r in figs.gmv_by_corridor(today)["rows"])


def test_escrow_payouts_and_chapters(traded):
    m = figs.escrow_and_payouts(_all())
    assert sum(v["escrows"] for v in m["escrow"].values()) == Escrow.objects.count()
    assert sum(s.get("paid", {}).get("payouts", 0) for s in m["payouts"].values()) == \
        Payout.objects.filter(state=Payout.PAID).count() > 0
    hs = figs.top_hs_chapters(_all())
    assert sum(r["units"] for r in hs) <= OrderLine.objects.aggregate(u=Sum("quantity"))["u"]
    assert hs == sorted(hs, key=lambda r: (-r["units"], r["chapter"]))


def test_a_period_without_orders_is_empty(traded):
    past = figs.Filters(timezone.localdate() - timedelta(days=90), timezone.localdate() - timedelta(days=60))
    f = figs.figures(past)
    assert f["gmv"]["rows"] == [] and f["hs_chapters"] == [] and f["customs"]["lanes"] == {}
    assert f["delivery"]["corridors"] == {} and f["money"]["escrow"] == {}


def test_the_number_of_queries_does_not_grow_with_orders(traded):
    with CaptureQueriesContext(connection) as few:
        figs.figures(_all())
    assert len(few.captured_queries) < 25


def test_bad_filters_are_refused_per_field(db):
    with pytest.raises(ValidationFailed) as err:
        figs.parse_filters("2026-13-01", "yesterday", "XXX")
    assert set(err.value.fields) == {"from", "to", "hub"}
    with pytest.raises(ValidationFailed) as err:
        figs.parse_filters("2026-05-02", "2026-05-01", "")
    assert "from" in err.value.fields
    with pytest.raises(ValidationFailed):
        figs.parse_filters("2024-01-01", "2026-01-01", "")
    with pytest.raises(ValidationFailed) as err:
        figs.parse_filters("9999-12-31", "9999-12-31", "")
    assert set(err.value.fields) == {"from", "to"}
    f = figs.parse_filters("2026-05-01", "2026-05-02", figs.NO_HUB)
    assert f.hub == figs.NO_HUB and f.until - f.since == timedelta(days=2)
