"""A small trading day through every service; its invariants must hold."""

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.money import Money
from ewtp.demo import simulate, world
from ewtp.market.models import Order
from ewtp.payments.models import Escrow


def test_small_trading_day_keeps_the_books(make_user, refdata):
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=3, buyers=40, products_per_seller=2)
    assert len(w.seller_actors) >= 60 and len({a.org_ids for a in w.seller_actors}) == len(w.seller_actors)
    day = simulate.run_day(w, 25, seed=3)
    s = simulate.summary(day)
    assert s["ledger"]["verified"] and s["audit_verified"]
    assert day.placed_groups > 15 and s["order_states"].get("paid", 0) > 10
    # every paid order's escrow holds exactly what the buyer paid for it
    for o in Order.objects.filter(state=Order.PAID):
        e = Escrow.objects.get(order_ref=o.reference)
        assert e.held_minor == Money(o.total, o.currency).to_minor()
