"""Checkout prices shipping with the logistics quote; the seller's acceptance creates the shipment
in the same transaction (service, orders API, seller console)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ewtp.accounts.models import User
from ewtp.accounts.services import actor_for_user
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.customs.models import TradeDocument
from ewtp.logistics.models import Shipment
from ewtp.logistics.quote import quote_shipping
from ewtp.logistics.rates import ParcelSpec
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.fulfilment import accept_order
from ewtp.market.models import Order
from ewtp.market.placement import place_order
from tests.conftest import PASSWORD
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _paid(buyer, operator, variant, qty=1) -> Order:  # noqa: F811
    cart.set_quantity(buyer, variant, qty)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    return orders.transition(operator, order.pk, Order.PAID)  # the payment's own flow is tested in payments


def _seller_of(order: Order):
    return actor_for_user(User.objects.get(memberships__organisation_id=order.seller_id))


def test_checkout_shipping_is_the_logistics_quote(buyer, stocked):  # noqa: F811
    [v] = stocked("MY", "MYR")
    cart.set_quantity(buyer, v, 3)  # 3 x 0.2 kg in one 1 kg carton
    [c] = quote_checkout(buyer, AU).payload["consignments"]
    today = timezone.localdate()
    expected = quote_shipping([ParcelSpec(Decimal("0.6"), Decimal(25), Decimal(20), Decimal(10))], "MY", "AU",
                              on=today, currency="MYR")
    assert Decimal(c["shipping_seller"]) == expected.price.amount
    assert c["shipping_quote"]["lane_ids"] == expected.route.lane_ids
    assert [leg["carrier"] for leg in c["shipping_quote"]["legs"]] == ["POSMY", "POSMY"]
    assert Decimal(c["shipping"]) == (expected.price.amount * Decimal(c["fx"]["rate"])).quantize(Decimal("0.01"))


def test_no_route_refuses_the_checkout_naming_the_seller(buyer, stocked):  # noqa: F811
    [v] = stocked("BR", "BRL")
    cart.set_quantity(buyer, v, 1)
    with pytest.raises(ValidationFailed) as exc:
        quote_checkout(buyer, AU)
    assert exc.value.code == "no_route" and "Seller" in exc.value.message and "cart" in exc.value.fields


def test_accepting_creates_the_shipment_once(buyer, stocked, operator):  # noqa: F811
    [v] = stocked("MY", "MYR", stock=10)
    order = _paid(buyer, operator, v, qty=2)
    seller = _seller_of(order)
    accepted, shipment = accept_order(seller, order.pk)
    assert accepted.state == Order.ACCEPTED and shipment.order_ref == order.reference
    assert shipment.quote["lane_ids"] == order.snapshot["shipping_quote"]["lane_ids"]  # the route paid for
    assert "id_number" not in shipment.ship_to and shipment.ship_to["city"] == "Sydney"
    assert sum(i.quantity for p in shipment.parcels.all() for i in p.items.all()) == 2
    # no captured payment here, so no order document: the waybill waits (the demo lifecycle test
    # runs the whole path, documents to release)
    assert not TradeDocument.objects.filter(kind="waybill", order_no=order.reference).exists()
    with pytest.raises(Conflict):
        accept_order(seller, order.pk)
    assert Shipment.objects.filter(order_ref=order.reference).count() == 1


def test_a_refused_shipment_leaves_the_order_paid(buyer, stocked, operator):  # noqa: F811
    [v] = stocked("MY", "MYR")
    order = _paid(buyer, operator, v)
    order.group.destination = {**order.group.destination, "phone": ""}  # the carrier needs a phone number
    order.group.save(update_fields=["destination"])
    with pytest.raises(ValidationFailed) as exc:
        accept_order(_seller_of(order), order.pk)
    assert exc.value.status == 422 and "ship_to.phone" in exc.value.fields
    assert Order.objects.get(pk=order.pk).state == Order.PAID and not Shipment.objects.exists()


def test_accept_through_the_api_and_the_console(buyer, stocked, operator, api_as):  # noqa: F811
    [v1, v2] = stocked("MY", "MYR", n=2, stock=10)
    o1 = _paid(buyer, operator, v1)
    o2 = _paid(buyer, operator, v2)
    seller_user = User.objects.get(memberships__organisation_id=o1.seller_id)
    r = api_as(seller_user).post(f"/market/orders/{o1.pk}/transitions", {"to": "accepted"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert Shipment.objects.filter(order_ref=o1.reference).exists()
    web = Client()
    assert web.login(username=seller_user.username, password=PASSWORD)
    page = web.get("/market/seller/")
    assert b'data-testid="accept-order"' in page.content
    r = web.post(f"/market/seller/orders/{o2.pk}/accept/", follow=True)
    shipment = Shipment.objects.get(order_ref=o2.reference)
    assert shipment.tracking_no.encode() in r.content and Order.objects.get(pk=o2.pk).state == Order.ACCEPTED
    assert timezone.now() - shipment.created_at < timedelta(minutes=1)


def _shipped(order: Order) -> tuple:
    """What acceptance made of an order, without its own numbers (nor its items' SKUs)."""
    s = Shipment.objects.get(order_ref=order.reference)
    parcels = [(p.seq, p.weight_kg, [(i.description[:6], i.quantity, i.value, i.hs_code) for i in p.items.order_by("seq")])
               for p in s.parcels.order_by("seq")]
    legs = [(leg.seq, leg.kind, leg.carrier.code, leg.lane_id) for leg in s.legs.order_by("seq")]
    return (Order.objects.get(pk=order.pk).state, s.ship_from, s.ship_to, s.quote, s.origin_hub_id,
            s.destination_hub_id, parcels, legs)


def test_accepting_in_a_batch_is_accepting_one_by_one(buyer, stocked, operator):  # noqa: F811
    from ewtp.core.models import AuditEntry
    from ewtp.market.fulfilment import accept_orders

    [v1, v2, v3, v4] = stocked("MY", "MYR", n=4, stock=10)
    one = [_paid(buyer, operator, v1, qty=2), _paid(buyer, operator, v2)]
    batch = [_paid(buyer, operator, v3, qty=2), _paid(buyer, operator, v4)]
    refused = _paid(buyer, operator, v4)
    refused.group.destination = {**refused.group.destination, "phone": ""}
    refused.group.save(update_fields=["destination"])
    seller = _seller_of(one[0])
    for o in one:
        accept_order(seller, o.pk)
    n_audit = AuditEntry.objects.count()
    results = accept_orders([(seller, batch[0].pk), (seller, refused.pk), (seller, batch[1].pk)])
    assert isinstance(results[1], ValidationFailed) and "ship_to.phone" in results[1].fields
    assert [r[0].state for r in (results[0], results[2])] == [Order.ACCEPTED, Order.ACCEPTED]
    assert [_shipped(o) for o in batch] == [_shipped(o) for o in one]
    assert Order.objects.get(pk=refused.pk).state == Order.PAID
    assert not Shipment.objects.filter(order_ref=refused.reference).exists()
    added = list(AuditEntry.objects.filter(seq__gt=n_audit).values_list("action", flat=True))
    assert added == ["market.order_accepted", "logistics.create_shipment"] * 2
