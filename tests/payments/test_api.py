"""API with object-level access: a seller sees only its own balances, escrows and payouts."""

from __future__ import annotations

import pytest

from ewtp.core.actor import Role
from ewtp.core.money import Money
from ewtp.payments import accounts, escrow, services
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, rates):
    seller_a, seller_b = make_user(Role.SELLER), make_user(Role.SELLER)
    buyer, other_buyer = make_user(Role.BUYER), make_user(Role.BUYER)
    operator = make_user(Role.HUB_OPERATOR)
    org_a = seller_a.memberships.get().organisation_id
    org_b = seller_b.memberships.get().organisation_id
    for ref, org in (("A-1", org_a), ("B-1", org_b)):
        services.start_payment(
            "test",
            order_ref=ref,
            amount=Money("40.00", "MYR"),
            seller_org_id=org,
            seller_currency="MYR",
            buyer_user_id=buyer.pk,
            card_number="4242424242424242",
        )
        flush_webhooks()
        services.capture_payment("test", ref)
        flush_webhooks()
        escrow.release("test", ref, rates=rates)
    return {
        "a": seller_a,
        "b": seller_b,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "op": operator,
        "org_a": org_a,
        "org_b": org_b,
    }


def test_seller_sees_own_balances_only(world, api_as):
    a = api_as(world["a"])
    r = a.get("/payments/balances")
    assert r.status_code == 200
    body = r.json()
    assert body["seller_org_id"] == world["org_a"]
    kinds = {x["kind"]: x["balance"]["amount"] for x in body["accounts"]}
    assert kinds["seller_available"] == "38.90" and kinds["escrow"] == "0.00"
    assert a.get("/payments/balances", seller_org_id=world["org_b"]).status_code == 404
    other = accounts.seller_available(world["org_b"], "MYR")
    assert a.get(f"/payments/accounts/{other.pk}").status_code == 404
    assert a.get(f"/payments/accounts/{other.pk}/postings").status_code == 404
    own = accounts.seller_available(world["org_a"], "MYR")
    assert a.get(f"/payments/accounts/{own.pk}/postings").json()[0]["amount"]["amount"] == "38.90"
    assert a.get("/payments/escrows/B-1").status_code == 404
    assert a.get("/payments/escrows/A-1").json()["state"] == "posted"
    hub = accounts.hub_fees("MYR")
    assert a.get(f"/payments/accounts/{hub.pk}").status_code == 404


def test_buyer_sees_own_payment_only(world, api_as):
    assert api_as(world["buyer"]).get("/payments/payments/A-1").json()["state"] == "captured"
    assert api_as(world["other_buyer"]).get("/payments/payments/A-1").status_code == 404


def test_operator_only_endpoints(world, api_as):
    a = api_as(world["a"])
    for path in ("/payments/ledger/verify", "/payments/ledger/totals", "/payments/reconciliation/sandbox"):
        assert a.get(path).status_code == 403
    assert a.post("/payments/payouts/run").status_code == 403
    op = api_as(world["op"])
    assert op.get("/payments/ledger/verify").json()["ok"] is True
    assert op.get("/payments/reconciliation/sandbox").json()["ok"] is True
    run = op.post("/payments/payouts/run")
    assert run.status_code == 200 and {p["seller_org_id"] for p in run.json()} == {
        world["org_a"],
        world["org_b"],
    }
    assert [p["seller_org_id"] for p in a.get("/payments/payouts").json()] == [world["org_a"]]


def test_operator_creates_payment_buyer_authorises(world, api_as):
    op, buyer = api_as(world["op"]), api_as(world["buyer"])
    body = {
        "order_ref": "C-1",
        "amount": "12.50",
        "currency": "SGD",
        "seller_org_id": world["org_a"],
        "seller_currency": "MYR",
        "buyer_user_id": world["buyer"].pk,
    }
    r = op.post("/payments/payments", body)
    assert r.status_code == 200 and r.json()["state"] == "created" and r.json()["fee"]["amount"] == "0.55"
    assert (
        api_as(world["other_buyer"])
        .post("/payments/payments/C-1/authorise", {"card_number": "4242424242424242"})
        .status_code
        == 404
    )
    r = buyer.post("/payments/payments/C-1/authorise", {"card_number": "4000000000009995"})
    assert r.status_code == 200
    flush_webhooks()
    assert buyer.get("/payments/payments/C-1").json()["decline_reason"] == "insufficient_funds"
    assert (
        buyer.post("/payments/payments/C-1/authorise", {"card_number": "4242424242424242"}).status_code == 409
    )


def test_bad_input_names_the_field(world, api_as):
    op = api_as(world["op"])
    r = op.post(
        "/payments/payments",
        {
            "order_ref": "D-1",
            "amount": "1.234",
            "currency": "MYR",
            "seller_org_id": 1,
            "seller_currency": "MYR",
        },
    )
    assert r.status_code == 422 and "amount" in r.json()["error"]["fields"]
    r = op.post(
        "/payments/payments",
        {
            "order_ref": "D-1",
            "amount": "abc",
            "currency": "MYR",
            "seller_org_id": 1,
            "seller_currency": "MYR",
        },
    )
    assert r.status_code == 422 and "amount" in r.json()["error"]["fields"]
    r = op.post(
        "/payments/payments",
        {"order_ref": "D-1", "amount": "5", "currency": "XXX1", "seller_org_id": 1, "seller_currency": "MYR"},
    )
    assert r.status_code == 422


def test_seller_refunds_own_order_not_others(world, api_as, make_user, rates):
    services.start_payment(
        "test",
        order_ref="R-1",
        amount=Money("20.00", "MYR"),
        seller_org_id=world["org_a"],
        seller_currency="MYR",
        card_number="4242424242424242",
    )
    flush_webhooks()
    services.capture_payment("test", "R-1")
    flush_webhooks()
    assert api_as(world["b"]).post("/payments/escrows/R-1/refund", {"amount": "5.00"}).status_code == 404
    r = api_as(world["a"]).post("/payments/escrows/R-1/refund", {"amount": "5.00", "reason": "return"})
    assert r.status_code == 200 and r.json()["refunded"]["amount"] == "5.00"
    r = api_as(world["a"]).post("/payments/escrows/R-1/refund", {"amount": "15.01"})
    assert r.status_code == 409


def test_statement_csv_own_only(world, api_as):
    r = api_as(world["a"]).get("/payments/statement", currency="MYR")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "A-1" in r.content.decode() and "B-1" not in r.content.decode()
    assert api_as(world["a"]).get("/payments/statement", seller_org_id=world["org_b"]).status_code == 404
