"""Setting several cart lines in one call: the same lines (and line ids, in the same order) as one
call per line, the same refusals, and a refused pair refused alone (the pairs before it stay set)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.errors import Forbidden, NotFound, ValidationFailed
from ewtp.market import cart
from ewtp.market.models import Cart, CartLine
from tests.market.test_cart import variants  # noqa: F401 - the fixture


def _rows(buyer) -> list[tuple[int, int]]:
    return list(CartLine.objects.filter(cart__buyer_id=buyer.user_id).order_by("pk").values_list("variant_id", "quantity"))


def _ids(buyer) -> list[int]:
    return list(CartLine.objects.filter(cart__buyer_id=buyer.user_id).order_by("pk").values_list("pk", flat=True))


def test_the_same_lines_as_one_call_per_line(make_user, variants, refdata):  # noqa: F811
    one, many = (actor_for_user(make_user(Role.BUYER)) for _ in range(2))
    vs = variants(2, "SG", "SGD") + variants(3)
    start = [(vs[0], 2), (vs[3], 1), (vs[4], 3)]
    edit = [(vs[3], 0), (vs[4], 3), (vs[0], 5), (vs[2], 1), (vs[1], 2)]
    for pairs in (start, edit):
        for v, q in pairs:
            cart.set_quantity(one, v, q)
        answer = cart.set_quantities(many, pairs)
        assert answer == Cart.objects.get(buyer_id=many.user_id)
        assert _rows(many) == _rows(one)
    # the new lines were written in the pairs' order, as one by one numbers them
    assert [v for v, _ in _rows(many)] == [vs[0], vs[4], vs[2], vs[1]]
    assert _ids(many) == sorted(_ids(many))
    assert cart.set_quantities(many, []) is None


def test_one_variant_twice_is_set_as_one_by_one(make_user, variants, refdata):  # noqa: F811
    one, many = (actor_for_user(make_user(Role.BUYER)) for _ in range(2))
    vs = variants(2)
    pairs = [(vs[0], 1), (vs[1], 2), (vs[0], 0), (vs[0], 4)]
    for v, q in pairs:
        cart.set_quantity(one, v, q)
    cart.set_quantities(many, pairs)
    assert _rows(many) == _rows(one)


def test_a_refused_pair_is_refused_alone(make_user, variants, refdata, monkeypatch, make_seller,  # noqa: F811
                                         make_product):
    buyer = actor_for_user(make_user(Role.BUYER))
    vs = variants(4)
    actor, org = make_seller()
    draft = make_product(actor, org, title="Draft", sku="DRAFT-2", publish=False).variants.get().pk
    with pytest.raises(NotFound):
        cart.set_quantities(buyer, [(vs[0], 1), (draft, 1), (vs[1], 1)])
    assert _rows(buyer) == [(vs[0], 1)]  # the pair before it stays set, the one after is not
    with pytest.raises(ValidationFailed) as exc:
        cart.set_quantities(buyer, [(vs[1], 2), (vs[2], cart.MAX_QUANTITY + 1), (draft, 1)])
    assert "quantity" in exc.value.fields
    assert _rows(buyer) == [(vs[0], 1), (vs[1], 2)]
    monkeypatch.setattr(cart, "MAX_LINES", 3)
    with pytest.raises(ValidationFailed) as exc:
        cart.set_quantities(buyer, [(vs[0], 3), (vs[2], 1), (vs[3], 1)])
    assert "variant_id" in exc.value.fields
    assert _rows(buyer) == [(vs[0], 3), (vs[1], 2), (vs[2], 1)]
    touched = Cart.objects.get(buyer_id=buyer.user_id).updated_at
    with pytest.raises(ValidationFailed):  # refused at the first pair: nothing changes, not even the cart
        cart.set_quantities(buyer, [(vs[3], 1)])
    assert Cart.objects.get(buyer_id=buyer.user_id).updated_at == touched
    with pytest.raises(Forbidden):
        cart.set_quantities(actor_for_user(make_user(Role.SELLER)), [(vs[0], 1)])
    with pytest.raises(ValidationFailed):  # the quantity is checked before the caller, as one by one
        cart.set_quantities(actor_for_user(make_user(Role.SELLER)), [(vs[0], -1)])


def test_the_statements_do_not_grow_with_the_lines(make_user, variants, refdata):  # noqa: F811
    vs = variants(6)
    counts = []
    for pairs in ([(vs[0], 1)], [(v, 1) for v in vs[1:]]):
        buyer = actor_for_user(make_user(Role.BUYER))
        with CaptureQueriesContext(connection) as ctx:
            cart.set_quantities(buyer, pairs)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
