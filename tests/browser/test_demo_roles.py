"""After a small demo, each demo account signs in and opens every page its navigation offers; the
buyer and the seller find their orders there."""

import pytest

from ewtp.accounts.models import User
from ewtp.accounts.services import actor_for_user
from ewtp.demo import lifecycle, world
from ewtp.demo.newcomer import demo_buyer_orders
from ewtp.demo.setup import prepare_demo
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_role_opens_its_pages(page, refdata):
    report = prepare_demo(progress=lambda m: None)
    operator = actor_for_user(User.objects.get(username="operator"))
    w = world.build(operator, seed=5, buyers=20, products_per_seller=1)
    lifecycle.simulate(w, 8, seed=5)
    demo_buyer_orders(w, seed=5)
    for username, role, password in report.created:
        page.context.clear_cookies()
        sign_in(page, username, password)
        links = page.eval_on_selector_all("header nav a", "els => els.map(e => e.getAttribute('href'))")
        assert links, role
        for href in links:
            if href.startswith("/admin") or href.startswith("/api"):
                continue
            response = page.goto(href)
            assert response.status < 400, (role, href, response.status)
            assert "Server Error" not in page.content()
        # the accounts look at the trading day, not at empty pages
        if username == "buyer":
            page.goto("/market/orders/")
            assert page.locator("[data-testid=my-order]").count() >= 1
        if username == "seller":
            page.goto("/market/seller/")
            assert page.locator("[data-testid=seller-order]").count() >= 1
