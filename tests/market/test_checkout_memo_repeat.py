"""`checkout_memo` across buyers: a consignment priced once for every buyer who orders the same
lines to the same place, and a cart a placement emptied not read again until it is edited. The
rows, refusals and audit entries stay those of `set_quantities`, `quote_checkout` and `place`
called one after the other (`test_checkout_buy`'s comparison)."""

import pytest
from django.db import transaction

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.market import cart, checkout, checkout_memo, placement
from ewtp.market.models import CheckoutQuote
from tests.market.test_checkout import AU, stocked  # noqa: F401 - the fixture
from tests.market.test_checkout_buy import CN, _one_by_one, _rolled_back


@pytest.fixture
def repeated(make_user, refdata, stocked):  # noqa: F811
    a, b, c = (actor_for_user(make_user(Role.BUYER)) for _ in range(3))
    v1, v2 = stocked("MY", "MYR", n=2, stock=9)
    [v3] = stocked("SG", "SGD", stock=9, price="12.50")
    return [
        (a, [(v1, 1)], AU),
        (b, [(v1, 1)], AU),  # another buyer, the same consignment
        (c, [(v1, 1), (v3, 2)], AU),  # the same MY consignment beside an SG one
        (a, [(v2, 1)], CN),  # a's emptied cart: refused at the quote, the line written
        (a, [(v1, 1)], AU),  # so a's cart holds v2: both placed
        (b, [(v1, 1)], {**AU, "country": "NZ", "city": "Auckland"}),  # the same lines elsewhere
        (b, [(v1, 2), (v1, 1)], AU),  # one variant twice: set one by one
        (c, [(v3, 2)], AU),
        (a, [(v1, 1)], AU),
    ]


def test_remembered_consignments_and_empty_carts_write_what_one_by_one_writes(repeated):
    expected = _rolled_back(_one_by_one, repeated)
    kinds = [o[:2] if isinstance(o, tuple) else len(o) for o in expected[0]]
    assert kinds == [1, 1, 2, ("ValidationFailed", "validation_failed"), 1, 1, 1, 1, 1]
    assert _rolled_back(placement.buy, repeated, remembered=True) == expected


def test_a_consignment_is_priced_once_per_lines_destination_and_day(repeated, monkeypatch):
    priced = []
    real = checkout._consignment

    def counted(profile, *args):
        priced.append(profile.organisation_id)
        return real(profile, *args)

    monkeypatch.setattr(checkout, "_consignment", counted)
    with checkout_memo.remembered():
        groups = [placement.buy(buyer, quantities, dest).group for buyer, quantities, dest in repeated[:3]]
    assert len(priced) == 2  # v1 to AU once (for three buyers), v3 to AU once
    payloads = [CheckoutQuote.objects.get(pk=g.quote_id).payload["consignments"] for g in groups]
    assert payloads[0] == payloads[1] == payloads[2][:1]
    assert [o.snapshot for o in groups[0].orders.all()] == payloads[0]


def test_a_cart_edited_after_its_placement_is_read_again(repeated):
    a, [(v1, _)], _ = repeated[0]
    v2 = repeated[3][1][0][0]
    with checkout_memo.remembered():
        placement.buy(a, [(v1, 1)], AU)  # emptied: known empty
        cart.set_quantity(a, v2, 1)  # edited by another path: no longer known empty
        with transaction.atomic():
            lines = cart.set_quantities_lines(a, [(v1, 1)])
        assert sorted((ln.variant_id, ln.quantity) for ln in lines) == [(v1, 1), (v2, 1)]
        placed = placement.buy(a, [(v1, 2)], AU)
    assert sorted(ln.variant_id for o in placed.orders for ln in o.lines.all()) == [v1, v2]
