"""A small traded hub: orders taken from checkout to payout by the simulator, plus shipments from
two logistics hubs and customs declarations in each lane (rows made directly: the logistics and
customs bridges are other issues)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM, Role
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel
from ewtp.demo import lifecycle, stages, world
from ewtp.logistics.models import Hub, Shipment
from ewtp.market import orders
from ewtp.market.models import Order
from ewtp.payments import escrow


def ship(order: Order, hub: Hub, days: float) -> Shipment:
    now = timezone.now()
    s = Shipment.objects.create(
        tracking_no=f"EW{order.pk:09d}", order_ref=order.reference, seller_id=order.seller_id,
        buyer_id=order.buyer_id, origin_country=order.seller.country,
        destination_country=order.group.destination["country"], origin_hub=hub, ship_from={}, ship_to={},
        status="delivered", delivered_at=now)
    Shipment.objects.filter(pk=s.pk).update(created_at=now - timedelta(days=days))
    return s


def declare(order: Order, lane: str, release_after: timedelta | None) -> Declaration:
    p = Parcel.objects.create(order_no=order.reference, status=Parcel.MATCHED)
    d = Declaration.objects.create(parcel=p, number=f"D{order.pk:09d}", lane=lane, declarant="hub",
                                   withholding_agent="hub", buyer_id_number="x", goods_value=Decimal(10),
                                   freight=Decimal(1), customs_value=Decimal(11),
                                   status="800" if release_after else "500")
    if release_after is not None:
        ev = DeclarationEvent.objects.create(declaration=d, action="route_green", from_status="120", to_status="800",
                                             actor="system")
        DeclarationEvent.objects.filter(pk=ev.pk).update(at=d.created_at + release_after)
        Declaration.objects.filter(pk=d.pk).update(released_at=d.created_at + release_after)
    return d


def _transit(run: stages.Run, chunk: stages.Chunk) -> None:
    """Instead of the logistics and customs stages: the system moves each accepted order along and
    marks delivery on its escrow (the shipments and declarations are made by hand below)."""
    for pk, ref in Order.objects.filter(pk__in=chunk.order_ids, state=Order.PAID).values_list("pk", "reference"):
        for to in (Order.ACCEPTED, Order.SHIPPED, Order.CLEARED, Order.DELIVERED):
            orders.transition(SYSTEM, pk, to, reason="test transit")
        escrow.mark_delivered(SYSTEM, ref, stages._later(chunk, days=run.rng.uniform(3, 12)))


STAGES = [(n, f) for n, f in stages.STAGES if n in ("checkout", "payment", "order_sync", "escrow_release", "payout")]
STAGES.insert(3, ("transit", _transit))


@pytest.fixture
def traded(make_user, network):
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=4, buyers=24, products_per_seller=1)
    result = lifecycle.simulate(w, 12, seed=4, chunk_size=6, stages=STAGES)
    hgh, kul = Hub.objects.get(code="HGH"), Hub.objects.get(code="KUL")
    completed = list(Order.objects.filter(state=Order.COMPLETED).select_related("seller", "group").order_by("pk"))
    for i, o in enumerate(completed[:6]):
        ship(o, hgh if i % 2 else kul, days=2 + i * 2)
        declare(o, ["green", "green", "yellow", "red", "green", "yellow"][i],
                timedelta(minutes=30) if i % 3 == 0 else (timedelta(hours=30) if i % 3 == 1 else None))
    return {"result": result, "completed": completed, "hubs": (hgh, kul)}
