from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client

from ewtp.core.actor import Role
from tests.customs.factories import parcel


@pytest.fixture(autouse=True)
def _signing_key(tmp_path_factory, monkeypatch):
    """The hub signing key is generated into var/: tests use their own, generated once."""
    from ewtp.customs.xml import sign

    d = tmp_path_factory.getbasetemp() / "customs-key"
    monkeypatch.setenv("EWTP_CUSTOMS_SIGNING_KEY", str(d / "k.pem"))
    monkeypatch.setenv("EWTP_CUSTOMS_SIGNING_CERT", str(d / "c.pem"))
    if not (d / "k.pem").exists():
        d.mkdir(exist_ok=True)
        sign._generate(d / "k.pem", d / "c.pem")
    sign.hub_key.cache_clear()
    yield
    sign.hub_key.cache_clear()


@pytest.fixture
def parties(make_user, api_as):
    """API clients for each responsible party, officers of two jurisdictions and the operator."""
    from ewtp.accounts.services import actor_for_user, issue_token

    operator = make_user(Role.HUB_OPERATOR)
    op_actor = actor_for_user(operator)

    def token_client(role):
        user = make_user(role)
        org = user.memberships.first().organisation
        return api_as(token=issue_token(op_actor, org, "customs").secret), org

    payment, payment_org = token_client(Role.PAYMENT_PARTNER)
    logistics, logistics_org = token_client(Role.LOGISTICS_PARTNER)
    seller_user = make_user(Role.SELLER)
    officer_cn = make_user(Role.CUSTOMS_OFFICER, jurisdiction="CN")
    officer_my = make_user(Role.CUSTOMS_OFFICER, jurisdiction="MY")
    return SimpleNamespace(
        operator=api_as(operator), seller=api_as(seller_user), seller_user=seller_user,
        payment=payment, logistics=logistics, payment_org=payment_org, logistics_org=logistics_org,
        officer_cn=api_as(officer_cn), officer_my=api_as(officer_my), officer_cn_user=officer_cn,
        buyer=api_as(make_user(Role.BUYER)),
    )


def post_xml(client_api, kind: str, data: bytes):
    c: Client = client_api.client
    return c.post(f"/api/v1/customs/documents/{kind}", data=data, content_type="application/xml",
                  HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **client_api.headers)


@pytest.fixture
def push_parcel(parties):
    """push_parcel(n, mutate=None) -> the four responses (order, payment, waybill, inventory)."""
    from ewtp.customs.jsondocs import to_json

    def push(n=1, mutate=None, inventory=True, lines=2):
        docs = list(parcel(n, lines=lines))
        if mutate:
            mutate(docs)
        out = [parties.seller.post("/customs/documents/order", to_json(docs[0])),
               parties.payment.post("/customs/documents/payment", to_json(docs[1])),
               parties.logistics.post("/customs/documents/waybill", to_json(docs[2]))]
        if inventory:
            out.append(parties.seller.post("/customs/documents/inventory", to_json(docs[3])))
        return out, docs

    return push
