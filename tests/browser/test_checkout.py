"""A buyer in Australia finds goods from a Malaysian and a Chinese seller, sees duty and GST at
checkout, places the order and pays one seller's part; the hub's jobs capture it into escrow and the
seller accepts and ships it. Then the same flow in 简体中文."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp import jobs
from ewtp.accounts.services import actor_for_user
from ewtp.market import catalogue, sellers
from ewtp.market.catalogue import ProductSpec, VariantSpec
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _listed(make_user, op, username, country, currency, title, zh, hs, price):
    user = make_user("seller", username=username)
    actor = actor_for_user(user)
    org = min(actor.org_ids)
    sellers.onboard(actor, org, legal_name=f"{title} Co", country=country, base_currency=currency, address="x")
    sellers.decide_verification(op, org, verified=True)
    w = catalogue.create_warehouse(actor, org, name="main", country=country)
    p = catalogue.create_product(actor, org, ProductSpec(hs_code=hs, origin=country, titles={"en": title, "zh_hans": zh},
                                                         variants=[VariantSpec(f"{username}-1", price, "0.4")]))
    catalogue.publish(actor, p.pk)
    catalogue.set_stock(actor, p.variants.get().pk, w.pk, 10)
    return user


def _buy(page, query: str, labels: dict):
    for q in query:
        page.goto(f"/market/?q={q}")
        assert page.locator("[data-testid=product-card]").count() == 1
        page.click("[data-testid=product-card] h2 a")
        page.click("[data-testid=add-to-cart]")
    assert page.locator("[data-testid=cart-line]").count() == 2
    page.fill("#id_name", "Olivia Brown")
    page.fill("#id_phone", "+61 400 111 222")
    page.fill("#id_line1", "5 Collins St")
    page.fill("#id_city", "Melbourne")
    page.fill("#id_postcode", "3000")
    page.select_option("#id_country", "AU")
    page.click("[data-testid=checkout]")
    page.wait_for_selector("[data-testid=consignment]")
    assert page.locator("[data-testid=consignment]").count() == 2
    text = page.inner_text("main")
    assert "AUD" in text and labels["duty"] in text and labels["tax"] in text
    page.click("details summary")
    assert "GST" in page.inner_text("details")
    page.click("[data-testid=place-order]")
    page.wait_for_selector("[data-testid=order-group]")
    assert page.locator("[data-testid=order-row]").count() == 2


def test_australian_buyer_checks_out_from_two_sellers(page, make_user, network):
    op = actor_for_user(make_user("hub_operator"))
    _listed(make_user, op, "batik", "MY", "MYR", "Batik sarong", "蜡染纱笼", "520852", "89.00")
    _listed(make_user, op, "teapot", "CN", "CNY", "Yixing teapot", "宜兴紫砂壶", "691200", "268.00")
    make_user("buyer", username="olivia")
    sign_in(page, "olivia", PASSWORD)
    _buy(page, ["sarong", "teapot"], {"duty": "Duty", "tax": "Taxes"})
    # the buyer pays the Malaysian seller's order; the hub's scheduled jobs (here two ticks in
    # process) deliver the provider's webhooks and capture the payment into escrow
    page.locator("[data-testid=order-row]", has_text="Batik").locator("button:has-text('Pay')").click()
    page.fill("#card_number", "4242 4242 4242 4242")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("[data-testid=payment-status]")
    later = timezone.now() + timedelta(minutes=5)
    jobs.tick(later)
    jobs.tick(later + timedelta(minutes=5))
    page.wait_for_selector("text=Your money is held in escrow until delivery", timeout=15_000)
    page.click("header button:has-text('Sign out')")
    sign_in(page, "batik", PASSWORD)
    page.goto("/market/seller/")
    assert "Batik sarong" in page.inner_text("[data-testid=seller-order]")
    page.click("[data-testid=accept-order]")  # paid: the seller accepts and the shipment is made
    page.wait_for_selector("[data-testid=tracking-no]")


def test_the_same_flow_in_chinese(page, make_user, network):
    op = actor_for_user(make_user("hub_operator"))
    _listed(make_user, op, "batik", "MY", "MYR", "Batik sarong", "蜡染纱笼", "520852", "89.00")
    _listed(make_user, op, "teapot", "CN", "CNY", "Yixing teapot", "宜兴紫砂壶", "691200", "268.00")
    make_user("buyer", username="wei")
    sign_in(page, "wei", PASSWORD)
    switch_language(page, "zh-hans")
    _buy(page, ["纱笼", "紫砂"], {"duty": "关税", "tax": "税费"})
