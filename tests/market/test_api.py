import pytest

from ewtp.core.actor import Role
from ewtp.market.models import Product


@pytest.fixture
def seller_api(make_user, api_as, refdata):
    user = make_user(Role.SELLER)
    org = user.memberships.get().organisation_id
    return api_as(user), org


PRODUCT = {"hs_code": "610910", "origin": "MY", "titles": {"en": "Batik T-shirt", "zh_hans": "蜡染T恤"},
           "variants": [{"sku": "BT-M", "name": "M", "price": "45.00", "weight_kg": "0.2"}]}


def test_onboard_verify_publish_and_browse(seller_api, make_user, api_as, api):
    client, org = seller_api
    r = client.post(f"/market/sellers/{org}/profile", {"legal_name": "Batik Sdn Bhd", "country": "MY",
                                                         "base_currency": "MYR", "address": "Melaka"})
    assert r.status_code == 200 and r.json()["status"] == "pending"
    created = client.post(f"/market/sellers/{org}/products", PRODUCT)
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    refused = client.post(f"/market/products/{pid}/publish")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "seller_not_verified"
    assert client.post(f"/market/sellers/{org}/verification", {"verified": True}).status_code == 403
    op = api_as(make_user(Role.HUB_OPERATOR))
    assert op.post(f"/market/sellers/{org}/verification", {"verified": True}).json()["status"] == "verified"
    assert client.post(f"/market/products/{pid}/publish").status_code == 200
    found = api.get("/market/products", q="蜡染", currency="AUD").json()
    assert found["total"] == 1 and found["items"][0]["price_currency"] == "MYR"
    assert found["items"][0]["buyer_currency"] == "AUD" and found["fx_margin"] == "0.005"
    assert api.get(f"/market/products/{pid}").json()["variants"][0]["sku"] == "BT-M"


def test_bad_product_input_is_422_and_writes_nothing(seller_api):
    client, org = seller_api
    client.post(f"/market/sellers/{org}/profile", {"legal_name": "X", "country": "MY", "base_currency": "MYR",
                                                    "address": "Y"})
    bad = {**PRODUCT, "hs_code": "999999", "variants": [{"sku": "A", "price": "-3", "weight_kg": "0.2"}]}
    r = client.post(f"/market/sellers/{org}/products", bad)
    assert r.status_code == 422 and "variants.0.price" in r.json()["error"]["fields"]
    r = client.post(f"/market/sellers/{org}/products", {**PRODUCT, "hs_code": "999999"})
    assert r.status_code == 422 and "hs_code" in r.json()["error"]["fields"]
    assert not Product.objects.exists()


def test_another_seller_cannot_touch_my_catalogue(seller_api, make_user, api_as):
    client, org = seller_api
    client.post(f"/market/sellers/{org}/profile", {"legal_name": "X", "country": "MY", "base_currency": "MYR",
                                                    "address": "Y"})
    pid = client.post(f"/market/sellers/{org}/products", PRODUCT).json()["id"]
    intruder = api_as(make_user(Role.SELLER))
    assert intruder.get(f"/market/sellers/{org}/products").status_code == 404
    assert intruder.post(f"/market/products/{pid}/archive").status_code == 404
    assert intruder.post(f"/market/sellers/{org}/products", PRODUCT).status_code == 404


def test_browse_rejects_bad_filters(api, refdata):
    assert api.get("/market/products", currency="ZZZ").status_code == 422
    assert api.get("/market/products", sort="cheapest").status_code == 422
    assert api.get("/market/products", min_price="-1").status_code == 422
