"""The demo accounts a newcomer signs in with, connected to the trading day: the `buyer` account
places its own few orders through the same lifecycle as the simulated buyers (so it has orders,
parcels to track and payments to look at). The seller and partner accounts join the world's
organisations when they are created (`setup.DEMO_ACCOUNTS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ewtp.accounts.models import User
from ewtp.accounts.services import actor_for_user
from ewtp.demo import lifecycle
from ewtp.demo.world import World

OWN_ORDERS = 5


def demo_buyer_orders(world: World, seed: int, progress: Callable[[str, int], None] = lambda stage, n: None) -> dict:
    """Checkouts by the demo `buyer` (none when the account does not exist), through every stage."""
    buyer = User.objects.filter(username="buyer").first()
    if buyer is None:
        return {}
    own = replace(world, buyers=[actor_for_user(buyer)])
    return lifecycle.simulate(own, OWN_ORDERS, seed + 1, chunk_size=OWN_ORDERS, progress=progress)
