"""`market.encoded`: JSON encoded once writes the very text the field would have written."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.compiled import insert
from ewtp.core.models import AuditEntry
from ewtp.market import cart, encoded
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import CheckoutQuote
from tests.market.test_checkout import AU, stocked  # noqa: F401 - the fixture

ODD = [{"a": "中文 — \u2028 \"q\" \\", "n": None, "t": True, "i": -3, "f": 0.1, "l": [], "d": {}},
       {"nested": [{"x": [1, [2, {"y": "z"}]]}], "1": "key order kept", "0": ""}]


@pytest.mark.parametrize("values", [ODD, ODD[:1], []])
def test_joined_is_what_dumps_gives_for_the_whole(values):
    assert encoded.joined("consignments", [encoded.dumps(v) for v in values]) == json.dumps({"consignments": values})


def _stored(model, pk: int, column: str):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cur.fetchone()[0]


def _quote_row(buyer, payload: dict) -> CheckoutQuote:
    return CheckoutQuote(buyer_id=buyer.user_id, cart_fingerprint="f" * 64, currency="AUD", destination=AU,
                         payload=payload, total=Decimal("12.5"), expires_at=timezone.now())


def test_the_stored_text_is_the_fields_own(make_user, refdata, stocked):  # noqa: F811
    buyer = actor_for_user(make_user(Role.BUYER))
    [v] = stocked(stock=3)
    cart.set_quantity(buyer, v, 1)
    real = quote_checkout(buyer, AU).payload  # a consignment as checkout makes it
    for payload in (real, {"consignments": ODD}):
        texts = [encoded.dumps(c) for c in payload["consignments"]]
        a = insert([_quote_row(buyer, payload)])[0]
        b = encoded.insert_encoded([_quote_row(buyer, payload)], {"payload": [encoded.joined("consignments", texts)]})[0]
        assert b.pk == a.pk + 1
        assert _stored(CheckoutQuote, b.pk, "payload") == _stored(CheckoutQuote, a.pk, "payload")
        assert CheckoutQuote.objects.get(pk=b.pk).payload == payload
        for column in ("destination", "total", "cart_fingerprint", "currency"):
            assert _stored(CheckoutQuote, b.pk, column) == _stored(CheckoutQuote, a.pk, column)


def test_none_is_null_and_an_unknown_field_falls_back(make_user, refdata):
    rows = [AuditEntry(seq=10**9 + n, at=timezone.now(), actor="t", action="t", object_type="t", object_id=str(n),
                       before=None, after={"n": n}, prev_hash="0" * 64, hash="0" * 64) for n in range(2)]
    encoded.insert_encoded(rows, {"before": ["{}", "{}"], "after": [encoded.dumps(r.after) for r in rows]})
    assert [(_stored(AuditEntry, r.pk, "before"), AuditEntry.objects.get(pk=r.pk).after) for r in rows] == [
        (None, {"n": 0}), (None, {"n": 1})]
    buyer = actor_for_user(make_user(Role.BUYER))
    wrong = encoded.insert_encoded([_quote_row(buyer, {"consignments": []})], {"currency": ["[]"]})[0]
    assert _stored(CheckoutQuote, wrong.pk, "currency") == "AUD"  # not a JSON field: written by the field
