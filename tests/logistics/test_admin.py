import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from ewtp.core.actor import Role


def test_every_logistics_model_is_in_the_back_office_read_only(make_user, network):
    models = apps.get_app_config("logistics").get_models()
    assert all(m in admin.site._registry for m in models)
    c = Client()
    c.force_login(make_user(Role.HUB_OPERATOR))
    for m in models:
        assert c.get(f"/admin/logistics/{m._meta.model_name}/").status_code == 200, m
    lane = apps.get_model("logistics", "Lane").objects.first()
    r = c.get(f"/admin/logistics/lane/{lane.pk}/change/")
    assert r.status_code == 200 and b"Sample contract rates" in r.content
    assert c.get("/admin/logistics/hub/add/").status_code == 403


@pytest.mark.parametrize("role", [Role.SELLER, Role.BUYER])
def test_others_do_not_get_in(make_user, role):
    c = Client()
    c.force_login(make_user(role))
    assert c.get("/admin/logistics/shipment/").status_code in (302, 403)
