"""The demo accounts a newcomer signs in with, connected to the trading day: the `buyer` account
buys from the `seller` account's shop a few times, through the same lifecycle as the simulated
buyers — so the one has orders, parcels to track and payments to look at, and the other orders,
shipments and a balance. The seller and partner accounts join the world's organisations when
they are created (`setup.DEMO_ACCOUNTS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ewtp.accounts.models import User
from ewtp.accounts.services import actor_for_user
from ewtp.demo import lifecycle
from ewtp.demo.world import World
from ewtp.market.models import Variant

OWN_ORDERS = 5


def demo_buyer_orders(world: World, seed: int, progress: Callable[[str, int], None] = lambda stage, n: None) -> dict:
    """Checkouts by the demo `buyer` (none when the account does not exist), through every stage."""
    buyer = User.objects.filter(username="buyer").first()
    shop = list(Variant.objects.filter(product__status="published", product__seller__memberships__user__username="seller")
                .order_by("pk").values_list("pk", flat=True))
    if buyer is None or not shop:
        return {}
    # repeated so a cart of up to three lines can always be drawn from the demo seller's goods
    own = replace(world, buyers=[actor_for_user(buyer)], variants=shop * 3)
    return lifecycle.simulate(own, OWN_ORDERS, seed + 1, chunk_size=OWN_ORDERS, progress=progress)
