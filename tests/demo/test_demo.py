"""A small demo day through every service; the invariants issue 8 names must hold."""

from decimal import Decimal

from django.db.models import Sum

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.customs import declarations
from ewtp.customs.models import Declaration, Parcel, RiskRule
from ewtp.customs.models_returns import TaxReturn
from ewtp.demo import lifecycle, world
from ewtp.demo.summary import summary
from ewtp.payments.models import Escrow


def test_small_trading_day_keeps_the_books(make_user, network):
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=3, buyers=40, products_per_seller=2)
    # sampling draws from the declaration number, which holds a database id: on PostgreSQL ids
    # depend on the tests before (sequences are not rolled back), and at the demo's 6% a small day
    # sometimes sent no parcel to an officer; at 40% one always does
    RiskRule.objects.filter(kind="random_sampling", lane="yellow").update(params={"rate": "0.4"})
    assert len(w.seller_actors) >= 60 and len({a.org_ids for a in w.seller_actors}) == len(w.seller_actors)
    s = summary(lifecycle.simulate(w, 40, seed=3, chunk_size=20))
    assert s["ledger"]["verified"] and s["audit_verified"]
    assert s["day"]["completed_lifecycles"] > 20 and s["corridors"] and s["delivery_by_corridor"]
    assert sum(s["customs"]["lanes"].values()) == Declaration.objects.count() > 0
    # every delivered order's escrow is released, or held for a reason
    for e in Escrow.objects.filter(delivered_at__isnull=False):
        assert e.state not in Escrow.OPEN or e.hold_reason, e.order_ref
    # every released declaration matched its three documents
    released = Declaration.objects.filter(status=declarations.RELEASED)
    assert not released.exclude(parcel__status=Parcel.MATCHED).exists()
    # green is released on arrival; an officer's release takes the officer's (simulated) hours
    took = {lane: [(r - c).total_seconds() / 3600 for c, r in released.filter(lane=lane).values_list(
        "created_at", "released_at")] for lane in ("green", "yellow", "red")}
    assert took["green"] and 0 <= min(took["green"]) <= max(took["green"]) < 0.1
    assert took["yellow"] + took["red"] and all(h >= 1 for h in took["yellow"] + took["red"])
    by_lane = s["customs"]["median_hours_to_release_by_lane"]
    assert 0 <= by_lane["green"] < 0.1 and (by_lane["yellow"] or 1) >= 1 and (by_lane["red"] or 12) >= 12
    # duty and tax in the returns equal the sum of the released declarations they cover
    for ret in TaxReturn.objects.all():
        lines = ret.lines.aggregate(d=Sum("duty"), t=Sum("tax"))
        covered = Declaration.objects.filter(return_line__tax_return=ret).aggregate(d=Sum("duty"), t=Sum("tax_total"))
        assert (lines["d"], lines["t"]) == (covered["d"], covered["t"])
        assert ret.duty_total + ret.tax_total > Decimal(0)
    assert {r["jurisdiction"] for r in s["tax_returns"]} == set(TaxReturn.objects.values_list("jurisdiction", flat=True))
