"""The returns and claims pages: buyer asks, seller decides and confirms, operator decides a
claim; each page renders in the three languages."""

from __future__ import annotations

import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.logistics.models import Claim, ReturnRequest
from ewtp.payments.verify import verify
from tests.logistics.factories_ops import Network, deliver, pay_order, pin_rates, shipment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rates(monkeypatch):
    return pin_rates(monkeypatch)


def _client(user, lang="en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


@pytest.fixture
def world(make_user):
    seller_user, buyer, operator = make_user(Role.SELLER), make_user(Role.BUYER), make_user(Role.HUB_OPERATOR)
    s = deliver(shipment(Network(), seller=seller_user.memberships.first().organisation, buyer=buyer))
    pay_order(s, "60.00", "EUR")
    return s, _client(buyer), _client(seller_user), _client(operator)


def test_return_asked_approved_received_through_pages(world):
    s, buyer, seller, _ = world
    assert s.tracking_no in buyer.get("/logistics/shipments/").content.decode()
    page = f"/logistics/shipments/{s.tracking_no}/returns-claims/"
    assert "Ask for a return" in buyer.get(page).content.decode()
    r = buyer.post(page, {"form": "return", "reason": "too big"}, follow=True)
    assert "sent to the seller" in r.content.decode()
    ret = ReturnRequest.objects.get()
    assert "too big" in seller.get("/logistics/seller/returns/").content.decode()
    seller.post(f"/logistics/returns/{ret.pk}/decide/", {"decision": "approve"})
    ret.refresh_from_db()
    assert ret.state == ReturnRequest.APPROVED
    assert "return-label" in buyer.get(page).content.decode()
    r = seller.post(f"/logistics/returns/{ret.pk}/receipt/", {"condition": "unopened"}, follow=True)
    assert "buyer refunded" in r.content.decode() and "€60.00" in r.content.decode()
    assert verify().ok


def test_claim_filed_and_decided_through_pages(world):
    s, buyer, _, operator = world
    page = f"/logistics/shipments/{s.tracking_no}/returns-claims/"
    r = buyer.post(page, {"form": "claim", "kind": "damaged", "amount": "abc", "evidence": "x"}, follow=True)
    assert "as a number" in r.content.decode()
    buyer.post(page, {"form": "claim", "kind": "damaged", "amount": "20.00", "evidence": "photo:box.jpg\ncrushed"})
    c = Claim.objects.get()
    assert c.evidence == ["photo:box.jpg", "crushed"]
    queue = operator.get("/logistics/operator/claims/").content.decode()
    assert "photo:box.jpg" in queue and "DHLX (EUR 25.00)" in queue
    r = operator.post("/logistics/operator/claims/", {"claim": c.pk, "decision": "reject"}, follow=True)
    assert "rejection" in r.content.decode()  # a reason is required
    operator.post("/logistics/operator/claims/", {"claim": c.pk, "decision": "carrier", "carrier": "DHLX"})
    c.refresh_from_db()
    assert c.state == Claim.PAID and c.liable_carrier.code == "DHLX"
    assert verify().ok


@pytest.mark.parametrize("lang,word", [("zh-hans", "退货"), ("ms", "Pemulangan")])
def test_pages_in_other_languages(world, make_user, lang, word):
    s, _, _, _ = world
    seller = _client(s.seller.memberships.first().user, lang)
    assert word in seller.get("/logistics/seller/returns/").content.decode()
    assert seller.get(f"/logistics/shipments/{s.tracking_no}/returns-claims/").status_code == 200
    assert _client(make_user(Role.HUB_OPERATOR), lang).get("/logistics/operator/claims/").status_code == 200


def test_pages_refuse_others(world, make_user):
    s, buyer, _, _ = world
    assert buyer.get("/logistics/seller/returns/").status_code == 403
    assert buyer.get("/logistics/operator/claims/").status_code == 403
    stranger = _client(make_user(Role.BUYER))
    assert stranger.get(f"/logistics/shipments/{s.tracking_no}/returns-claims/").status_code == 404
