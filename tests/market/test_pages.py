import pytest
from django.test import Client

from ewtp.core.actor import Role
from tests.conftest import PASSWORD


def test_catalogue_escapes_user_text(make_seller, make_product, client):
    actor, org = make_seller()
    make_product(actor, org, title="<script>alert(1)</script> kite")
    html = client.get("/market/?q=kite&currency=MYR").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; kite" in html and "<script>alert(1)" not in html


def test_seller_console_creates_a_draft(make_user, refdata):
    user = make_user(Role.SELLER)
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    r = c.post("/market/seller/", {"form": "profile", "profile-legal_name": "Kedai", "profile-country": "MY",
                                   "profile-base_currency": "MYR", "profile-address": "Ipoh"})
    assert r.status_code == 302
    r = c.post("/market/seller/", {"form": "product", "product-hs_code": "999999", "product-origin": "MY",
                                   "product-title_en": "Kite", "product-sku": "K1", "product-price": "10",
                                   "product-weight_kg": "0.3"})
    assert r.status_code == 200 and "is not an HS 2022 subheading" in r.content.decode()
    r = c.post("/market/seller/", {"form": "product", "product-hs_code": "950300", "product-origin": "MY",
                                   "product-title_en": "Wau kite", "product-sku": "K1", "product-price": "10",
                                   "product-weight_kg": "0.3"})
    assert r.status_code == 302
    assert "Wau kite" in c.get("/market/seller/").content.decode()


@pytest.mark.parametrize("role", [Role.BUYER, Role.SELLER])
def test_operator_queue_is_forbidden_to_others(make_user, role, refdata):
    c = Client()
    c.force_login(make_user(role))
    assert c.get("/market/operator/sellers/").status_code == 403
