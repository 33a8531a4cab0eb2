"""Pages: buyer payment step and receipt, seller balances and CSV statement, operator ledger
explorer and reconciliation — with access checks and in the three languages."""

from __future__ import annotations

import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.core.money import Money
from ewtp.payments import escrow, services
from ewtp.payments.models import LedgerTransaction
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


def _client(user, lang: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


@pytest.fixture
def world(make_user, rates):
    seller, other_seller = make_user(Role.SELLER), make_user(Role.SELLER)
    buyer, other_buyer, op = make_user(Role.BUYER), make_user(Role.BUYER), make_user(Role.HUB_OPERATOR)
    org = seller.memberships.get().organisation_id
    services.start_payment(
        "test",
        order_ref="V-1",
        amount=Money("80.00", "MYR"),
        seller_org_id=org,
        seller_currency="MYR",
        buyer_user_id=buyer.pk,
        duty=Money("4.00", "MYR"),
        tax=Money("6.00", "MYR"),
    )
    return {
        "seller": seller,
        "other_seller": other_seller,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "op": op,
        "org": org,
        "rates": rates,
    }


def test_buyer_pays_and_sees_the_receipt(world):
    c = _client(world["buyer"])
    page = c.get("/payments/pay/V-1/")
    assert (
        page.status_code == 200 and "MYR80.00" in page.content.decode() and "SANDBOX" in page.content.decode()
    )
    bad = c.post("/payments/pay/V-1/", {"card_number": "12"})
    assert bad.status_code == 200 and "12 to 19 digits" in bad.content.decode()
    r = c.post("/payments/pay/V-1/", {"card_number": "4242 4242 4242 4242"})
    assert r.status_code == 302 and r["Location"] == "/payments/receipt/V-1/"
    waiting = c.get("/payments/receipt/V-1/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" in waiting
    flush_webhooks()
    assert "authorised" in c.get("/payments/receipt/V-1/").content.decode()
    assert _client(world["other_buyer"]).get("/payments/receipt/V-1/").status_code == 404
    assert _client(world["other_buyer"]).get("/payments/pay/V-1/").status_code == 404


def _settle(world):
    services.authorise_payment("test", "V-1", "4242424242424242")
    flush_webhooks()
    services.capture_payment("test", "V-1")
    flush_webhooks()
    escrow.release("test", "V-1", rates=world["rates"])


def test_seller_balances_and_statement(world):
    _settle(world)
    c = _client(world["seller"])
    page = c.get("/payments/seller/").content.decode()
    assert "MYR68.30" in page  # 80 - 4 duty - 6 tax - fee 1.70 (2% of 70 + 0.30)
    csv = c.get("/payments/seller/statement.csv?currency=MYR")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert (
        lines[0].startswith("tx_id,date,account") and len(lines) == 4
    )  # into escrow, out of escrow, into available
    assert lines[-1].endswith("68.30,68.30")
    other = _client(world["other_seller"]).get(f"/payments/seller/statement.csv?org={world['org']}")
    assert "V-1" not in other.content.decode()


def test_operator_pages_and_access(world):
    _settle(world)
    op = _client(world["op"])
    assert "MYR" in op.get("/payments/operator/ledger/").content.decode()
    found = op.get("/payments/operator/ledger/?ref=V-1").content.decode()
    assert "escrow_release" in found and "escrow_hold" in found
    assert "escrow_hold" not in op.get("/payments/operator/ledger/?ref=nothing").content.decode()
    assert "The ledger is sound" in op.get("/payments/operator/ledger/verify/").content.decode()
    tx = LedgerTransaction.objects.filter(kind="escrow_release").get()
    assert "escrow_release" in op.get(f"/payments/operator/ledger/tx/{tx.pk}/").content.decode()
    assert "1 matched, 0 differences" in op.get("/payments/operator/reconciliation/").content.decode()
    seller = _client(world["seller"])
    for url in (
        "/payments/operator/ledger/",
        "/payments/operator/reconciliation/",
        f"/payments/operator/ledger/tx/{tx.pk}/",
    ):
        assert seller.get(url).status_code == 403
    assert _client(world["buyer"]).get("/payments/seller/").status_code == 403


@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "余额"), ("ms", "Baki")])
def test_pages_in_other_languages(world, lang, text):
    from ewtp.web.compile_messages import compile_all

    compile_all()
    assert text in _client(world["seller"], lang).get("/payments/seller/").content.decode()


def test_back_office_shows_the_books_read_only(world):
    _settle(world)
    op = _client(world["op"])
    page = op.get("/admin/payments/escrow/")
    assert page.status_code == 200 and "V-1" in page.content.decode()
    assert op.get("/admin/payments/account/add/").status_code == 403
