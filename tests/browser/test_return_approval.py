"""A seller approves a buyer's return in the browser, confirms its receipt, and the refund is
booked through the ledger (out of escrow, still held)."""

from __future__ import annotations

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.logistics import returns
from ewtp.logistics.models import ReturnRequest
from ewtp.payments.models import Escrow
from ewtp.payments.verify import verify
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD
from tests.logistics.factories_ops import Network, deliver, pay_order, shipment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seller_approves_a_return_and_refunds(page, make_user):
    seller_user = make_user("seller", username="tea-seller")
    buyer = make_user("buyer", username="anne")
    s = deliver(shipment(Network(), seller=seller_user.memberships.first().organisation, buyer=buyer))
    pay_order(s, "60.00", "EUR")
    r = returns.request_return(actor_for_user(buyer), s.tracking_no, "the tin arrived dented")

    sign_in(page, "tea-seller", PASSWORD)
    page.goto("/logistics/seller/returns/")
    row = page.locator(f"[data-testid=return-{r.pk}]")
    assert "the tin arrived dented" in row.inner_text()
    row.locator("[data-testid=approve]").click()
    page.wait_for_selector("[data-testid=condition]")
    assert "return label" in page.inner_text("main")
    page.fill("[data-testid=condition]", "tin dented, tea sealed")
    page.click("[data-testid=confirm-receipt]")
    page.wait_for_selector("[data-testid=closed-return]")
    closed = page.inner_text("[data-testid=closed-return]")
    assert "tin dented, tea sealed" in closed and "€60.00" in closed

    r.refresh_from_db()
    assert r.state == ReturnRequest.REFUNDED and r.refund_source == "escrow" and r.return_shipment is not None
    assert Escrow.objects.get(order_ref=s.order_ref).state == Escrow.VOIDED
    assert verify().ok
    switch_language(page, "zh-hans")
    assert "已结束" in page.inner_text("main")
