"""Cart -> locked quote -> order placement, with the landed-cost engine and real ECB rates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.errors import Conflict, Forbidden, ValidationFailed
from ewtp.market import cart, catalogue, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import CheckoutQuote, Order, OrderGroup, StockLevel
from ewtp.market.placement import place_order

AU = {"name": "Mia Chen", "phone": "+61 400 000 000", "line1": "1 George St", "city": "Sydney",
      "postcode": "2000", "country": "AU"}


@pytest.fixture
def buyer(make_user, refdata):
    return actor_for_user(make_user(Role.BUYER))


@pytest.fixture
def stocked(make_seller, make_product):
    """stocked(country, currency, n, stock, price, hs) -> list of variant ids"""

    def make(country="MY", currency="MYR", n=1, stock=5, price="45.00", hs="610910"):
        actor, org = make_seller(country, currency)
        w = catalogue.create_warehouse(actor, org, name="main", country=country)
        ids = []
        for i in range(n):
            p = make_product(actor, org, title=f"Item {org}-{i}", price=price, hs=hs, origin=country,
                             sku=f"S{org}-{i}")
            v = p.variants.get()
            catalogue.set_stock(actor, v.pk, w.pk, stock)
            ids.append(v.pk)
        return ids

    return make


def test_quote_prices_each_seller_in_the_buyers_currency(buyer, stocked):
    [v_my] = stocked("MY", "MYR")
    [v_cn] = stocked("CN", "CNY", price="120.00", hs="691200")
    cart.set_quantity(buyer, v_my, 2)
    cart.set_quantity(buyer, v_cn, 1)
    q = quote_checkout(buyer, AU)
    assert q.currency == "AUD" and q.expires_at - q.created_at <= timedelta(minutes=15, seconds=1)
    cons = q.payload["consignments"]
    assert len(cons) == 2
    for c in cons:
        assert c["engine"]["currency"] == "AUD" and c["engine"]["regime"]["code"]
        goods = Decimal(c["goods_seller"]) * Decimal(c["fx"]["rate"])
        assert Decimal(c["goods"]) == goods.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(c["fx"]["rate"]) == Decimal(c["fx"]["reference"]) * (1 + Decimal(c["fx"]["margin"]))
        total = Decimal(c["goods"]) + Decimal(c["shipping"]) + Decimal(c["at_checkout"])
        assert Decimal(c["total"]) == total
        assert all(ch["rule"]["id"] for ch in c["engine"]["charges"])
    assert q.total == sum(Decimal(c["total"]) for c in cons)


def test_placing_freezes_the_quote_and_reserves_stock(buyer, stocked):
    [v] = stocked(stock=3)
    cart.set_quantity(buyer, v, 2)
    q = quote_checkout(buyer, AU)
    group = place_order(buyer, q.pk)
    [order] = group.orders.all()
    assert order.state == "placed" and order.reference == f"OG{group.pk}-S{order.seller_id}"
    assert order.total == Decimal(q.payload["consignments"][0]["total"])
    assert order.snapshot["engine"]["regime"] and order.snapshot["fx"]["margin"]
    assert StockLevel.objects.get(variant_id=v).reserved == 2
    assert not list(cart.cart_for(buyer).lines.all())
    with pytest.raises(Conflict) as exc:
        place_order(buyer, q.pk)
    assert exc.value.code == "already_placed"


def test_expired_quote_and_changed_cart_need_a_new_quote(buyer, stocked):
    [v] = stocked()
    cart.set_quantity(buyer, v, 1)
    q = quote_checkout(buyer, AU)
    cart.set_quantity(buyer, v, 2)
    with pytest.raises(Conflict) as exc:
        place_order(buyer, q.pk)
    assert exc.value.code == "cart_changed"
    q2 = quote_checkout(buyer, AU)
    CheckoutQuote.objects.filter(pk=q2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as exc:
        place_order(buyer, q2.pk)
    assert exc.value.code == "quote_expired"
    assert not OrderGroup.objects.exists()


def test_out_of_stock_writes_nothing(buyer, stocked):
    [v] = stocked(stock=1)
    cart.set_quantity(buyer, v, 2)
    q = quote_checkout(buyer, AU)
    with pytest.raises(Conflict) as exc:
        place_order(buyer, q.pk)
    assert exc.value.code == "out_of_stock"
    assert not Order.objects.exists() and StockLevel.objects.get(variant_id=v).reserved == 0


def test_cancel_releases_stock_and_forbidden_transitions_are_409(buyer, stocked, operator):
    [v] = stocked(stock=2)
    cart.set_quantity(buyer, v, 2)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    with pytest.raises(Forbidden):
        orders.transition(buyer, order.pk, Order.DELIVERED)  # not the buyer's call
    with pytest.raises(Conflict):
        orders.transition(operator, order.pk, Order.DELIVERED)  # placed -> delivered skips the whole journey
    orders.transition(buyer, order.pk, Order.CANCELLED, reason="changed my mind")
    assert StockLevel.objects.get(variant_id=v).reserved == 0
    with pytest.raises(Conflict):
        orders.transition(buyer, order.pk, Order.CANCELLED)


def test_china_needs_identity_and_enforces_the_cbec_limit(buyer, stocked):
    [v] = stocked("MY", "MYR", price="900.00", stock=20, hs="090240")
    cart.set_quantity(buyer, v, 1)
    cn = {**AU, "country": "CN", "city": "Hangzhou"}
    with pytest.raises(ValidationFailed) as exc:
        quote_checkout(buyer, cn)
    assert {"address.id_name", "address.id_number"} <= set(exc.value.fields)
    cn_ok = {**cn, "id_name": "陈米娅", "id_number": "11010519491231002X"}
    q = quote_checkout(buyer, cn_ok)
    assert q.payload["consignments"][0]["engine"]["regime"]["code"] == "CN-CBEC"
    cart.set_quantity(buyer, v, 10)  # about RMB 15,000 in one transaction: over the RMB 5,000 limit
    with pytest.raises(ValidationFailed) as exc:
        quote_checkout(buyer, cn_ok)
    assert exc.value.code == "cbec_limit", exc.value.message


def _placement_queries(buyer, variant_qty: dict[int, int]) -> int:
    for v, q in variant_qty.items():
        cart.set_quantity(buyer, v, q)
    q = quote_checkout(buyer, AU)
    with CaptureQueriesContext(connection) as ctx:
        place_order(buyer, q.pk)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_cart(make_user, stocked, refdata):
    one = stocked(n=1, stock=50)
    ten = stocked("MY", "MYR", n=4, stock=50) + stocked("CN", "CNY", n=3, stock=50) + stocked("SG", "SGD", n=3,
                                                                                              stock=50)
    b1 = actor_for_user(make_user(Role.BUYER))
    b2 = actor_for_user(make_user(Role.BUYER))
    n1 = _placement_queries(b1, {one[0]: 1})
    n10 = _placement_queries(b2, {v: 2 for v in ten})
    assert n1 == n10 and n10 <= 40, (n1, n10)
