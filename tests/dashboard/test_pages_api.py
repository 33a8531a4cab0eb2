"""The dashboard page and GET /api/v1/dashboard/figures: who may see them, what they show."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from ewtp.accounts.services import actor_for_user, issue_token
from ewtp.core.actor import Role

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_operator_and_analyst_see_charts_with_tables(traded, make_user):
    for role in (Role.HUB_OPERATOR, Role.ANALYST):
        r = _client(make_user(role)).get("/dashboard/")
        html = r.content.decode()
        assert r.status_code == 200
        svgs = re.findall(r"<svg[^>]*role=\"img\"[^>]*>\s*<title id=[^>]*>[^<]+</title><desc", html)
        assert len(svgs) >= 7, role
        assert html.count("<table>") == len(svgs)
        assert 'href="/dashboard/"' in html  # the nav entry


def test_other_roles_get_403(traded, make_user):
    for role in (Role.BUYER, Role.SELLER, Role.CUSTOMS_OFFICER):
        assert _client(make_user(role)).get("/dashboard/").status_code == 403
    assert Client().get("/dashboard/").status_code == 302  # to sign in


def test_page_in_chinese_and_malay(traded, make_user):
    c = _client(make_user(Role.ANALYST))
    zh = c.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "各通道商品交易总额" in zh and "海关通道占比" in zh
    ms = c.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "Cukai dan duti" in ms or "Duti dan cukai" in ms


def test_bad_filters_show_field_errors(traded, make_user):
    r = _client(make_user(Role.HUB_OPERATOR)).get("/dashboard/?from=2026-02-31&hub=ZZZ")
    assert r.status_code == 422
    assert "YYYY-MM-DD" in r.content.decode()


def test_api_figures_for_analyst_and_token(traded, make_user, api_as):
    today = timezone.localdate().isoformat()
    r = api_as(make_user(Role.ANALYST)).get("/dashboard/figures", **{"from": today, "to": today})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"filters", "gmv", "duty_tax", "customs", "delivery", "money", "hs_chapters"}
    assert body["customs"]["lanes"] == {"green": 3, "yellow": 2, "red": 1}
    hub = api_as(make_user(Role.HUB_OPERATOR)).get("/dashboard/figures", hub="HGH", **{"from": today}).json()
    assert sum(hub["customs"]["lanes"].values()) == 3


def test_api_refuses_others_and_bad_input(traded, make_user, api_as):
    assert api_as(make_user(Role.SELLER)).get("/dashboard/figures").status_code == 403
    assert api_as(make_user(Role.BUYER)).get("/dashboard/figures").status_code == 403
    partner = make_user(Role.LOGISTICS_PARTNER)
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    token = issue_token(operator, partner.memberships.first().organisation, "t").secret
    assert api_as(token=token).get("/dashboard/figures").status_code == 403
    analyst = make_user(Role.ANALYST)
    r = api_as(analyst).get("/dashboard/figures", to="soon", hub="nowhere")
    assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"to", "hub"}
    r = api_as(analyst).get("/dashboard/figures", hub="CNHGH\x00")  # a NUL byte was a PostgreSQL error (500)
    assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"hub"}
