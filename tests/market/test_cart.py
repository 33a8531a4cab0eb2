"""Editing the cart: the answer of an edit is what a fresh read gives, limits hold, and the work
does not grow with the cart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.errors import Forbidden, NotFound, ValidationFailed
from ewtp.market import cart, catalogue
from ewtp.market.models import Cart


@pytest.fixture
def variants(make_seller, make_product):
    """variants(n, country, currency, stock) -> n published variant ids of one new seller"""

    def make(n=1, country="MY", currency="MYR", stock=0):
        actor, org = make_seller(country, currency)
        ids = [make_product(actor, org, title=f"Item {org}-{i}", sku=f"C{org}-{i}").variants.get().pk
               for i in range(n)]
        if stock:
            w = catalogue.create_warehouse(actor, org, name="main", country=country)
            for v in ids:
                catalogue.set_stock(actor, v, w.pk, stock)
        return ids

    return make


def _shape(lines) -> list[tuple[int, int, int]]:
    return [(ln.variant.seller_id, ln.variant_id, ln.quantity) for ln in lines]


def test_each_edit_answers_what_a_fresh_read_gives(make_user, variants, refdata):
    buyer = actor_for_user(make_user(Role.BUYER))
    b2 = variants(2, "SG", "SGD")  # the first seller: its lines come first whatever the order of edits
    a1 = variants(1)
    steps = [(a1[0], 2), (b2[1], 1), (b2[0], 3), (a1[0], 5), (b2[1], 0), (b2[1], 0), (a1[0], 5)]
    for variant, qty in steps:
        answer = cart.set_lines(buyer, variant, qty)
        assert _shape(answer) == _shape(cart.buyer_lines(buyer)), (variant, qty)
        assert _shape(answer) == sorted(_shape(answer))  # grouped by seller, then variant
    assert _shape(cart.buyer_lines(buyer)) == sorted([(*_seller_of(b2[0]), 3), (*_seller_of(a1[0]), 5)])
    assert cart.set_quantity(buyer, a1[0], 1) == Cart.objects.get(buyer_id=buyer.user_id)


def _seller_of(variant_id: int) -> tuple[int, int]:
    from ewtp.market.models import Variant

    return Variant.objects.get(pk=variant_id).seller_id, variant_id


def test_limits_and_refusals(make_user, variants, refdata, monkeypatch, make_seller, make_product):
    buyer = actor_for_user(make_user(Role.BUYER))
    vs = variants(3)
    monkeypatch.setattr(cart, "MAX_LINES", 2)
    cart.set_lines(buyer, vs[0], 1)
    cart.set_lines(buyer, vs[1], 1)
    with pytest.raises(ValidationFailed) as exc:
        cart.set_lines(buyer, vs[2], 1)
    assert "variant_id" in exc.value.fields
    assert [ln.quantity for ln in cart.set_lines(buyer, vs[1], 4)] == [1, 4]  # changing a line at the limit is fine
    with pytest.raises(ValidationFailed):
        cart.set_lines(buyer, vs[0], cart.MAX_QUANTITY + 1)
    actor, org = make_seller()
    draft = make_product(actor, org, title="Draft", sku="DRAFT-1", publish=False).variants.get().pk
    with pytest.raises(NotFound):
        cart.set_lines(buyer, draft, 1)
    with pytest.raises(Forbidden):
        cart.set_lines(actor_for_user(make_user(Role.SELLER)), vs[0], 1)
    assert _shape(cart.buyer_lines(buyer)) == [(*_seller_of(vs[0]), 1), (*_seller_of(vs[1]), 4)]


def _edit_queries(buyer, variant: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        cart.set_lines(buyer, variant, 2)
    return len(ctx.captured_queries)


def test_an_edit_costs_the_same_for_a_small_and_a_large_cart(make_user, variants, refdata):
    small, large = (actor_for_user(make_user(Role.BUYER)) for _ in range(2))
    vs = variants(8)
    cart.set_lines(small, vs[0], 1)
    for v in vs[:7]:
        cart.set_lines(large, v, 1)
    assert _edit_queries(small, vs[7]) == _edit_queries(large, vs[7]) <= 6  # was 8: the cart found, made and touched at once


def test_placing_answers_the_orders_as_a_later_read_shows_them(make_user, api_as, variants, refdata):
    from tests.market.test_checkout import AU

    vs = variants(1, stock=5) + variants(1, "SG", "SGD", stock=5)
    client = api_as(make_user(Role.BUYER))
    for v in vs:
        assert client.put("/market/cart/lines", {"variant_id": v, "quantity": 2}).status_code == 200
    quote = client.post("/market/checkout", {"address": AU}).json()
    placed = client.post("/market/orders", {"quote_id": quote["id"]})
    assert placed.status_code == 201, placed.json()
    orders = placed.json()["orders"]
    assert len(orders) == 2 and [o["id"] for o in orders] == sorted(o["id"] for o in orders)
    for o in orders:
        assert client.get(f"/market/orders/{o['id']}").json() == o  # amounts as stored, e.g. "31.9800"
