from __future__ import annotations

import pytest
from django.test import Client

from ewtp.customs.models import Declaration
from tests.customs.test_api import _yellow_declaration

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_queue_page_lists_discrepancies(push_parcel, parties):
    push_parcel(21, mutate=lambda d: setattr(d[2], "consignee_address", "上海市"), inventory=False)
    page = _client(parties.officer_cn_user).get("/customs/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "EWTP0000000021" in html and "consignee_match" in html and "上海市" in html


def test_queue_page_in_chinese_and_malay(parties):
    from django.utils.translation import trans_real

    from ewtp.web.compile_messages import compile_all

    if compile_all():  # .mo files are build products (not committed): make sure they exist
        trans_real._translations = {}
        trans_real._default = None
    c = _client(parties.officer_cn_user)
    assert "海关" in c.get("/customs/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Kastam" in c.get("/customs/queue/", HTTP_ACCEPT_LANGUAGE="ms").content.decode()


def test_declaration_page_and_actions(push_parcel, parties):
    decl = _yellow_declaration(push_parcel, parties, n=22)
    c = _client(parties.officer_cn_user)
    page = c.get(f"/customs/declarations/{decl.pk}/").content.decode()
    assert decl.number in page and 'data-testid="doc-payment"' in page and 'data-testid="action-release"' in page
    r = c.post(f"/customs/declarations/{decl.pk}/reject/", {"reason": ""})
    assert r.status_code == 302
    decl.refresh_from_db()
    assert decl.status == "300"  # no reason: nothing changed
    c.post(f"/customs/declarations/{decl.pk}/reject/", {"reason": "under-valued"})
    decl.refresh_from_db()
    assert decl.status == "100" and decl.reason == "under-valued"


def test_other_jurisdiction_and_other_roles_get_403(push_parcel, parties, make_user):
    decl = _yellow_declaration(push_parcel, parties, n=23)
    officer_my = make_user("customs_officer", jurisdiction="MY")
    assert _client(officer_my).get(f"/customs/declarations/{decl.pk}/").status_code == 403
    assert _client(officer_my).post(f"/customs/declarations/{decl.pk}/release/").status_code == 403
    assert _client(parties.seller_user).get("/customs/queue/").status_code == 403
    assert Declaration.objects.get(pk=decl.pk).status == "300"
