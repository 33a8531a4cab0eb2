"""The hub operator settles a refund the provider could not pay: from the menu to the failed
refunds page, one retry through the provider, then the hub's own bank transfer — in English,
简体中文 and Bahasa Melayu."""

from __future__ import annotations

import pytest

from ewtp.payments import refund_retry
from ewtp.payments.models import Refund
from ewtp.payments.verify import verify
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD
from tests.payments.helpers import flush_webhooks
from tests.payments.test_refund_retry import _failed_escrow_refund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_retries_then_records_a_bank_transfer(page, make_user):
    failed = _failed_escrow_refund("CANCELLED-7", "45.00")
    make_user("hub_operator", username="olga")
    sign_in(page, "olga", PASSWORD)
    page.click("nav >> text=Failed refunds")
    row = page.locator(f"[data-refund='{failed.pk}']")
    assert "CANCELLED-7" in row.inner_text() and "45.00" in row.inner_text()
    row.locator("button[value=provider]").click()
    page.wait_for_selector("[data-testid=no-failed-refunds]")
    assert "requested" in page.inner_text("[data-testid=retried-refunds]")

    flush_webhooks()  # the card's refunds fail again: the retry is back in the queue
    again = refund_retry.latest(failed.pk)
    assert again.state == Refund.FAILED
    page.reload()
    row = page.locator(f"[data-refund='{again.pk}']")
    row.locator("input[name=bank_reference]").fill("MAYBANK-TT-0099")
    row.locator("button[value=bank_transfer]").click()
    page.wait_for_selector("[data-testid=no-failed-refunds]")
    assert "MAYBANK-TT-0099" in page.inner_text("[data-testid=retried-refunds]")
    assert refund_retry.latest(failed.pk).state == Refund.SUCCEEDED and verify().ok

    switch_language(page, "zh-hans")
    assert "退款失败" in page.inner_text("h1") and "枢纽银行转账" in page.inner_text("main")
    switch_language(page, "ms")
    assert "Bayaran balik gagal" in page.inner_text("h1") and "pindahan bank oleh hab" in page.inner_text("main")
