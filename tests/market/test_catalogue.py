import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.market import catalogue
from ewtp.market.catalogue import ProductSpec, VariantSpec
from ewtp.market.models import Product, StockLevel, Variant


def test_product_is_validated_field_by_field(make_seller):
    actor, org = make_seller()
    spec = ProductSpec(hs_code="6109", origin="XX", titles={"en": ""},
                       variants=[VariantSpec(sku="A", price="-1", weight_kg="abc"), VariantSpec(sku="A", price="1",
                                                                                              weight_kg="1")])
    with pytest.raises(ValidationFailed) as exc:
        catalogue.create_product(actor, org, spec)
    assert {"hs_code", "origin", "titles", "variants", "variants.0.price", "variants.0.weight_kg"} <= set(exc.value.fields)
    assert not Product.objects.exists() and not Variant.objects.exists()


def test_prices_are_in_the_sellers_base_currency(make_seller, make_product):
    actor, org = make_seller(country="CN", currency="CNY")
    p = make_product(actor, org, origin="CN", price="88.50")
    v = p.variants.get()
    assert v.currency == "CNY" and v.price_amount == Decimal("88.50")


def test_sku_unique_per_seller(make_seller, make_product):
    actor, org = make_seller()
    make_product(actor, org, sku="BATIK-1")
    with pytest.raises(ValidationFailed):
        make_product(actor, org, sku="BATIK-1", title="Another")
    other, org2 = make_seller()
    make_product(other, org2, sku="BATIK-1")  # another seller may use the same SKU


def test_only_verified_sellers_publish(make_seller, make_product):
    actor, org = make_seller(verified=False)
    p = make_product(actor, org, publish=False)
    with pytest.raises(Conflict) as exc:
        catalogue.publish(actor, p.pk)
    assert exc.value.code == "seller_not_verified"


def test_titles_fall_back_to_another_language(make_seller, make_product):
    actor, org = make_seller()
    p = make_product(actor, org, title="", zh="紫砂茶壶", ms="")
    assert p.title("en") == "紫砂茶壶" and p.title("ms") == "紫砂茶壶"
    p2 = make_product(actor, org, title="Teapot", zh="紫砂茶壶", ms="Teko")
    assert (p2.title("en"), p2.title("zh_hans"), p2.title("ms")) == ("Teapot", "紫砂茶壶", "Teko")


def test_stock_per_warehouse_never_below_reserved(make_seller, make_product):
    actor, org = make_seller()
    p = make_product(actor, org)
    w = catalogue.create_warehouse(actor, org, name="KL", country="MY")
    bonded = catalogue.create_warehouse(actor, org, name="Hangzhou bonded", country="CN", bonded_hub="HGH")
    v = p.variants.get()
    catalogue.set_stock(actor, v.pk, w.pk, 10)
    catalogue.set_stock(actor, v.pk, bonded.pk, 4)
    StockLevel.objects.filter(warehouse=w).update(reserved=3)
    with pytest.raises(Conflict):
        catalogue.set_stock(actor, v.pk, w.pk, 2)
    assert sum(s.available for s in StockLevel.objects.filter(variant=v)) == 11


def test_another_sellers_stock_is_out_of_reach(make_seller, make_product):
    a, org_a = make_seller()
    b, org_b = make_seller()
    p = make_product(a, org_a)
    w = catalogue.create_warehouse(b, org_b, name="B", country="MY")
    with pytest.raises(NotFound):
        catalogue.set_stock(b, p.variants.get().pk, w.pk, 5)


def test_images_are_resized_server_side(make_seller, make_product, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": tmp_path}}}
    actor, org = make_seller()
    p = make_product(actor, org)
    buf = io.BytesIO()
    Image.new("RGB", (3000, 1500), "teal").save(buf, format="PNG")
    pi = catalogue.add_image(actor, p.pk, SimpleUploadedFile("big.png", buf.getvalue(), content_type="image/png"))
    assert (pi.width, pi.height) == (1200, 600)
    with Image.open(pi.thumbnail.path) as t:
        assert max(t.size) == 320
    with pytest.raises(ValidationFailed):
        catalogue.add_image(actor, p.pk, SimpleUploadedFile("x.png", b"not an image", content_type="image/png"))
