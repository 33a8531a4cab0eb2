"""`ewtp simulate`: complete lifecycles through the services keep every invariant."""

from __future__ import annotations

import json

from django.db.models import Count

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.audit import verify as audit_verify
from ewtp.core.money import Money
from ewtp.customs import declarations
from ewtp.customs.models import Declaration, Parcel
from ewtp.demo import lifecycle, world
from ewtp.market.models import Order
from ewtp.payments.models import Account, Escrow, Kind, Payout
from ewtp.payments.verify import verify as ledger_verify


def test_lifecycles_from_checkout_to_payout(make_user, network):
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=2, buyers=30, products_per_seller=1)
    r = lifecycle.simulate(w, 20, seed=2, chunk_size=7)  # three chunks, the last one short
    assert r["checkouts_attempted"] == 20 and r["orders"] >= 15
    assert set(r["stage_seconds"]) == set(r["stage_cpu_seconds"]) == {name for name, _ in lifecycle.STAGES}
    states = dict(Order.objects.values_list("state").annotate(n=Count("id")).order_by())
    assert r["completed_lifecycles"] == states.get(Order.COMPLETED, 0) > 0
    assert states.get(Order.PLACED, 0) == r["payments_declined"]
    assert r["tracking_events"] > 10 * r["completed_lifecycles"]
    # the three documents met at customs; every released declaration matched them
    assert Declaration.objects.filter(status=declarations.RELEASED).count() >= r["completed_lifecycles"] // 2
    assert not Declaration.objects.filter(status=declarations.RELEASED).exclude(parcel__status=Parcel.MATCHED).exists()
    # every delivered order's escrow is released, or held for a reason
    for e in Escrow.objects.filter(delivered_at__isnull=False):
        assert e.state not in Escrow.OPEN or e.hold_reason, e.order_ref
    # every completed order's escrow was released in full after its delivery, on the simulated clock
    for o in Order.objects.filter(state=Order.COMPLETED):
        e = Escrow.objects.get(order_ref=o.reference)
        assert e.state == Escrow.POSTED and e.delivered_at is not None and e.resolved_at > e.delivered_at
        assert e.released_minor == Money(o.total, o.currency).to_minor()
    # sellers were paid out: nothing left available but what a failed payout (the sandbox fails
    # amounts ending in .13) returned, every payout confirmed
    for a in Account.objects.filter(kind=Kind.SELLER_AVAILABLE, balance_minor__gt=0):
        last = Payout.objects.filter(seller_org_id=int(a.owner_id), currency=a.currency).latest("id")
        assert (last.state, last.amount_minor) == (Payout.FAILED, a.balance_minor), a
    assert r["payouts"] > 0 and Payout.objects.exclude(state=Payout.PAID).count() == \
        Payout.objects.filter(state=Payout.FAILED).count()
    assert ledger_verify().ok and audit_verify().ok
    assert r["lifecycles_per_s"] > 0 and r["peak_memory_mib"] > 0 and r["cpu_seconds"] > 0


def test_cli_prints_json(monkeypatch, capsys, make_user, refdata):
    from ewtp import cli

    real_build = world.build
    make_user(Role.HUB_OPERATOR, username="operator")
    monkeypatch.setattr("ewtp.demo.setup.prepare_demo", lambda **kw: None)  # the test database is ready
    monkeypatch.setattr(world, "build", lambda op, seed, buyers: real_build(op, seed, buyers=20,
                                                                           products_per_seller=1))
    cli.app(standalone_mode=False, args=["simulate", "--orders", "4", "--chunk", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert {"orders", "seconds", "lifecycles_per_s", "stage_seconds", "peak_memory_mib"} <= set(out)
    assert out["checkouts_attempted"] == 4
