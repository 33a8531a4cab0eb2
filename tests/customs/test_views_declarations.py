"""The officers' list of declarations: their jurisdiction only, filtered and searched, in three
languages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.customs.test_api import _yellow_declaration

pytestmark = pytest.mark.django_db


def _get(user, query="", lang="en"):
    c = Client()
    c.force_login(user)
    return c.get(f"/customs/declarations/{query}", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def test_officers_find_their_declarations_by_filter_and_search(push_parcel, parties, make_user):
    decl = _yellow_declaration(push_parcel, parties, n=31)
    officer = parties.officer_cn_user
    assert decl.number in _get(officer)
    assert decl.number in _get(officer, f"?q={decl.parcel.order_no}")
    assert decl.number in _get(officer, f"?status={decl.status}&lane=yellow")
    assert decl.number not in _get(officer, "?lane=red")
    assert decl.number not in _get(officer, "?q=NOPE")
    other = make_user("customs_officer", jurisdiction="MY")
    assert decl.number not in _get(other)  # another jurisdiction sees none of them
    assert "报关单" in _get(officer, lang="zh-hans") and "Perisytiharan" in _get(officer, lang="ms")
