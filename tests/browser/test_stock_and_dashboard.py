"""A seller edits stock inline (and meets a changed figure); the hub operator's dashboard draws
its charts, in Chinese too."""

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.demo import lifecycle, world
from ewtp.market import catalogue, sellers
from ewtp.market.catalogue import ProductSpec, VariantSpec
from ewtp.market.models import StockLevel
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seller_edits_stock_inline_and_is_told_when_it_changed(page, make_user, refdata):
    user = make_user(Role.SELLER, username="kedai")
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    actor = actor_for_user(user)
    org = next(iter(actor.org_ids))
    sellers.onboard(actor, org, legal_name="Kedai Sdn Bhd", country="MY", base_currency="MYR", address="KL")
    sellers.decide_verification(operator, org, verified=True)
    p = catalogue.create_product(actor, org, ProductSpec("610910", "MY", {"en": "Batik shirt"},
                                                         variants=[VariantSpec("BAT-1", "45.00", "0.2")]))
    w = catalogue.create_warehouse(actor, org, name="Shah Alam", country="MY")
    v = p.variants.get()
    catalogue.set_stock(actor, v.pk, w.pk, 10)
    sign_in(page, "kedai", PASSWORD)
    page.goto("/market/seller/")
    page.click("[data-testid=stock-link]")
    row = f"#stock-{v.pk}-{w.pk}"
    page.fill(f"{row} input[name=on_hand]", "25")
    page.click(f"{row} button")
    page.wait_for_selector(f"{row} [data-testid=stock-saved]")
    assert page.inner_text(f"{row} [data-testid=available]") == "25"
    StockLevel.objects.filter(variant=v, warehouse=w).update(on_hand=30)  # someone else, meanwhile
    page.fill(f"{row} input[name=on_hand]", "40")
    page.click(f"{row} button")
    page.wait_for_selector(f"{row} [data-testid=stock-error]")
    assert "30" in page.inner_text(f"{row} [data-testid=stock-error]")
    assert StockLevel.objects.get(variant=v, warehouse=w).on_hand == 30
    page.click(f"{row} button")  # saving again, now having seen 30, goes through
    page.wait_for_selector(f"{row} [data-testid=stock-saved]")
    assert StockLevel.objects.get(variant=v, warehouse=w).on_hand == 40
    switch_language(page, "ms")
    assert "Stok ada" in page.content()


def test_operator_sees_the_dashboard_charts_in_chinese(page, make_user, network):
    make_user(Role.HUB_OPERATOR, username="ops")
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=6, buyers=12, products_per_seller=1)
    lifecycle.simulate(w, 6, seed=6)
    sign_in(page, "ops", PASSWORD)
    page.click("header nav a[href='/dashboard/']")
    page.wait_for_selector("[data-testid=chart-gmv] svg")
    assert page.locator("[data-testid=chart-gmv] svg rect").count() > 0
    assert page.locator("[data-testid=chart-gmv] svg").bounding_box()["width"] > 200
    switch_language(page, "zh-hans")
    assert "各通道商品交易总额" in page.inner_text("[data-testid=chart-gmv] h2")
    assert page.locator("svg[role=img]").count() >= 5
    page.click("[data-testid=chart-hs] summary")
    assert page.locator("[data-testid=chart-hs] table").is_visible()
    page.screenshot(path="var/dashboard-zh.png", full_page=True)
