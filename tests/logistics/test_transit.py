"""Transit estimates: the corridor's measured median door-to-door days once five shipments were
delivered, the published lane days before that."""

from datetime import timedelta
from decimal import Decimal as D

from django.core.cache import cache
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.logistics.models import Shipment
from ewtp.logistics.packing import Item
from ewtp.logistics.quote import quote_shipping
from ewtp.logistics.rates import ParcelSpec
from ewtp.logistics.shipments import OrderData, create_shipment
from ewtp.logistics.transit import estimate_transit

TO = {"name": "Mia Chen", "phone": "+61 400 000 000", "line1": "1 George St", "city": "Sydney", "country": "AU"}


def _delivered(seller, buyer, n: int, days: list[float]) -> None:
    now = timezone.now()
    for i, d in enumerate(days):
        s = create_shipment(seller, OrderData(f"OG{n}{i}-S1", min(seller.org_ids), buyer.pk, {"country": "MY"}, TO,
                                              [Item("SKU", "tee", 1, D("0.3"), D("20"), "MYR", "610910", "MY")]))
        Shipment.objects.filter(pk=s.pk).update(created_at=now - timedelta(days=d + 1),
                                                delivered_at=now - timedelta(days=1), status="delivered")


def test_published_until_enough_deliveries_then_the_measured_median(make_user, network):
    seller, buyer = actor_for_user(make_user(Role.SELLER)), make_user(Role.BUYER)
    first = estimate_transit("MY", "AU")
    assert first.basis == "published" and first.days == D(7) and first.samples == 0  # POSMY 1 + 6 days
    _delivered(seller, buyer, 1, [6.0, 9.0, 8.0, 12.5])
    cache.clear()  # measurements are cached for the day like the network
    assert estimate_transit("MY", "AU").basis == "published"  # four are not enough
    _delivered(seller, buyer, 2, [10.0])
    cache.clear()
    est = estimate_transit("MY", "AU")
    assert (est.basis, est.days, est.samples) == ("measured", D("9.0"), 5)
    q = quote_shipping([ParcelSpec(D("0.3"))], "MY", "AU")
    assert q.estimate.basis == "measured" and q.transit_days == D(7)  # published days stay on the route
    assert estimate_transit("MY", "NZ").basis == "published" and estimate_transit("BR", "AU") is None
