"""The officer console in a real browser: the queue, a declaration with its documents, release."""

from __future__ import annotations

import pytest

from ewtp.core.actor import Actor, Role
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _push_all(n, make_user, mutate=None):
    from ewtp.accounts.models import Organisation
    from ewtp.customs import services
    from ewtp.customs.jsondocs import to_json
    from ewtp.customs.samples import parcel

    docs = list(parcel(n))
    if mutate:
        mutate(docs)
    seller = Organisation.objects.create(kind="seller", name=f"S{n}", country="CN")
    pay = Organisation.objects.create(kind="payment", name=f"P{n}", country="CN")
    log = Organisation.objects.create(kind="logistics", name=f"L{n}", country="CN")
    actors = [Actor(role=Role.SELLER, org_ids=frozenset({seller.pk}), user_id=1),
              Actor(role=Role.PAYMENT_PARTNER, org_ids=frozenset({pay.pk}), token_id=1),
              Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({log.pk}), token_id=2),
              Actor(role=Role.SELLER, org_ids=frozenset({seller.pk}), user_id=1)]
    import json

    for actor, kind, doc in zip(actors, ["order", "payment", "waybill", "inventory"], docs, strict=True):
        services.push_documents(actor, kind, json.dumps(to_json(doc)).encode())
    return docs


def test_officer_reviews_queue_and_releases_a_declaration(page, make_user):
    from ewtp.customs.models import Declaration, RiskRule

    RiskRule.objects.create(kind="random_sampling", lane="yellow", params={"rate": "1"})
    _push_all(41, make_user, mutate=lambda d: setattr(d[2], "consignee_telephone", "13999999999"))
    docs = _push_all(42, make_user)
    officer = make_user("customs_officer", jurisdiction="CN", username="officer-li")
    sign_in(page, officer.username, PASSWORD)

    page.click("nav >> text=Customs queue")
    unmatched = page.inner_text("[data-testid=unmatched]")
    assert "EWTP0000000041" in unmatched and "consignee_match" in unmatched and "13999999999" in unmatched
    decl = Declaration.objects.get(parcel__order_no=docs[0].order_no)
    page.click(f"text={decl.number}")
    assert "300" in page.inner_text("[data-testid=decl-status]")
    page.click("[data-testid=doc-payment] summary")
    assert "amountPaid" in page.inner_text("[data-testid=doc-payment]")
    page.click("[data-testid=action-reject]")  # no reason: refused, nothing changes
    assert "300" in page.inner_text("[data-testid=decl-status]")
    page.click("[data-testid=action-release]")
    assert "800" in page.inner_text("[data-testid=decl-status]")

    switch_language(page, "zh-hans")
    assert "放行" in page.inner_text("[data-testid=decl-status]")
    switch_language(page, "ms")
    assert "dilepaskan" in page.inner_text("[data-testid=decl-status]")


def test_officer_of_another_jurisdiction_sees_nothing(page, make_user):
    from ewtp.customs.models import Declaration, RiskRule

    RiskRule.objects.create(kind="random_sampling", lane="yellow", params={"rate": "1"})
    docs = _push_all(43, make_user)
    decl = Declaration.objects.get(parcel__order_no=docs[0].order_no)
    officer = make_user("customs_officer", jurisdiction="MY", username="officer-aziz")
    sign_in(page, officer.username, PASSWORD)
    page.goto("/customs/queue/")
    assert decl.number not in page.inner_text("main")
    assert page.goto(f"/customs/declarations/{decl.pk}/").status == 403  # refused openly
