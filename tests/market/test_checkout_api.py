import threading

import pytest
from django.db import connections

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.errors import Conflict
from ewtp.market import cart, catalogue
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order, OrderGroup, StockLevel
from ewtp.market.placement import place_order
from tests.conftest import is_postgres
from tests.market.test_checkout import AU


def _one_variant(make_seller, make_product, stock: int) -> int:
    actor, org = make_seller()
    w = catalogue.create_warehouse(actor, org, name="main", country="MY")
    v = make_product(actor, org).variants.get()
    catalogue.set_stock(actor, v.pk, w.pk, stock)
    return v.pk


def test_checkout_and_idempotent_placement_through_the_api(make_user, api_as, make_seller, make_product):
    v = _one_variant(make_seller, make_product, 5)
    buyer = api_as(make_user(Role.BUYER))
    assert buyer.put("/market/cart/lines", {"variant_id": v, "quantity": 2}).status_code == 200
    q = buyer.post("/market/checkout", {"address": AU})
    assert q.status_code == 201, q.json()
    body = {"quote_id": q.json()["id"]}
    first = buyer.post("/market/orders", body, key="place-1")
    retry = buyer.post("/market/orders", body, key="place-1")
    assert first.status_code == retry.status_code == 201 and first.json() == retry.json()
    assert OrderGroup.objects.count() == 1 and StockLevel.objects.get(variant_id=v).reserved == 2
    again = buyer.post("/market/orders", body, key="place-2")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_placed"
    order_id = first.json()["orders"][0]["id"]
    assert buyer.post(f"/market/orders/{order_id}/transitions", {"to": "shipped"}).status_code == 403
    assert buyer.post(f"/market/orders/{order_id}/transitions", {"to": "teleported"}).status_code == 422
    cancelled = buyer.post(f"/market/orders/{order_id}/transitions", {"to": "cancelled"})
    assert cancelled.json()["state"] == "cancelled" and StockLevel.objects.get(variant_id=v).reserved == 0


def test_orders_are_private(make_user, api_as, make_seller, make_product):
    v = _one_variant(make_seller, make_product, 5)
    owner = make_user(Role.BUYER)
    client = api_as(owner)
    client.put("/market/cart/lines", {"variant_id": v, "quantity": 1})
    group = client.post("/market/orders", {"quote_id": client.post("/market/checkout", {"address": AU}).json()["id"]})
    order_id = group.json()["orders"][0]["id"]
    assert api_as(make_user(Role.BUYER)).get(f"/market/orders/{order_id}").status_code == 404
    assert api_as(make_user(Role.SELLER)).get(f"/market/orders/{order_id}").status_code == 404
    seller_of_it = Order.objects.get(pk=order_id).seller_id
    assert client.get(f"/market/orders/{order_id}").status_code == 200
    assert seller_of_it


def test_bad_address_is_422_naming_fields(make_user, api_as, make_seller, make_product):
    v = _one_variant(make_seller, make_product, 5)
    client = api_as(make_user(Role.BUYER))
    client.put("/market/cart/lines", {"variant_id": v, "quantity": 1})
    r = client.post("/market/checkout", {"address": {**AU, "country": "ZZ"}})
    assert r.status_code == 422 and "address.country" in r.json()["error"]["fields"]
    r = client.post("/market/checkout", {"address": {**AU, "planet": "Mars"}})
    assert r.status_code == 422 and "address.planet" in r.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_buyers_racing_for_the_last_unit(make_user, make_seller, make_product, refdata):
    """Many simultaneous checkouts for one unit: exactly one order, the rest get out_of_stock."""
    if not is_postgres():
        pytest.skip("real parallel transactions need PostgreSQL; SQLite serialises writers")
    v = _one_variant(make_seller, make_product, 1)
    buyers = [actor_for_user(make_user(Role.BUYER)) for _ in range(8)]
    quotes = []
    for b in buyers:
        cart.set_quantity(b, v, 1)
        quotes.append(quote_checkout(b, AU).pk)
    start, results = threading.Barrier(len(buyers)), []

    def attempt(b, q):
        try:
            start.wait()
            place_order(b, q)
            results.append("ok")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(b, q)) for b, q in zip(buyers, quotes, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["out_of_stock"] * 7
    assert StockLevel.objects.get(variant_id=v).reserved == 1 and Order.objects.count() == 1
