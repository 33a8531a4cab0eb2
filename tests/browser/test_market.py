import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.market import catalogue, sellers
from ewtp.market.catalogue import ProductSpec, VariantSpec
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seller_lists_operator_verifies_buyer_finds_it_in_chinese(page, make_user, refdata):
    seller = make_user("seller", username="kedai")
    operator = make_user("hub_operator", username="ops")
    make_user("buyer", username="jack")
    sign_in(page, "kedai", PASSWORD)
    page.goto("/market/seller/")
    page.fill("#id_profile-legal_name", "Kedai Teh Cameron Sdn Bhd")
    page.select_option("#id_profile-country", "MY")
    page.fill("#id_profile-base_currency", "MYR")
    page.fill("#id_profile-address", "Tanah Rata, Pahang")
    page.click("input[value=profile] ~ button")
    assert "pending" in page.inner_text("[data-testid=seller-status]")
    page.fill("#id_product-hs_code", "090240")
    page.select_option("#id_product-origin", "MY")
    page.fill("#id_product-title_en", "Cameron Highlands black tea <script>x</script>")
    page.fill("#id_product-title_zh_hans", "金马伦高原红茶")
    page.fill("#id_product-sku", "TEA-250")
    page.fill("#id_product-price", "24.90")
    page.fill("#id_product-weight_kg", "0.3")
    page.click("input[value=product] ~ button")
    assert page.locator("[data-testid=seller-product]").count() == 1

    page.click("header button:has-text('Sign out')")
    sign_in(page, operator.username, PASSWORD)
    page.goto("/market/operator/sellers/")
    page.click("[data-testid=seller-row] button[value=verify]")
    assert "Verified" in page.inner_text("[data-testid=seller-row]")

    page.click("header button:has-text('Sign out')")
    sign_in(page, seller.username, PASSWORD)
    page.goto("/market/seller/")
    page.click("[data-testid=seller-product] button:has-text('Publish')")
    page.click("header button:has-text('Sign out')")

    page.goto("/market/?currency=AUD")
    switch_language(page, "zh-hans")
    page.fill("#q", "红茶")
    page.wait_for_selector("[data-testid=product-card]")
    card = page.inner_text("[data-testid=product-card]")
    assert "金马伦高原红茶" in card and "AUD" in card and "24.90 MYR" in card
    assert "商品目录" in page.inner_text("nav")
    switch_language(page, "en")
    page.goto("/market/?q=black+tea")
    assert "<script>x</script>" in page.inner_text("[data-testid=product-card]")  # shown as text, not run


def test_catalogue_filters_by_origin(page, make_user, refdata):
    op = actor_for_user(make_user("hub_operator"))
    for country, cur, title in (("MY", "MYR", "Songket scarf"), ("CN", "CNY", "Silk scarf")):
        actor = actor_for_user(make_user("seller"))
        org = min(actor.org_ids)
        sellers.onboard(actor, org, legal_name=title, country=country, base_currency=cur, address="x")
        sellers.decide_verification(op, org, verified=True)
        p = catalogue.create_product(actor, org, ProductSpec(hs_code="621410", origin=country, titles={"en": title},
                                                             variants=[VariantSpec("S1", "30", "0.1")]))
        catalogue.publish(actor, p.pk)
    page.goto("/market/?q=scarf")
    assert page.locator("[data-testid=product-card]").count() == 2
    page.fill("input[name=origin]", "CN")
    page.press("input[name=origin]", "Enter")
    page.wait_for_function("document.querySelectorAll('[data-testid=product-card]').length === 1")
    assert "Silk scarf" in page.inner_text("#results")
