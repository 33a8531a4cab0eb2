from __future__ import annotations

import pytest

from ewtp.core.money import Money
from ewtp.payments import escrow, services
from ewtp.payments.models import SandboxRecord
from ewtp.payments.reconciliation import reconcile
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


def _captured(ref: str) -> None:
    services.start_payment(
        "test",
        order_ref=ref,
        amount=Money("12.00", "EUR"),
        seller_org_id=1,
        seller_currency="EUR",
        card_number="4242424242424242",
    )
    flush_webhooks()
    services.capture_payment("test", ref)
    flush_webhooks()


def test_matching_books_reconcile():
    _captured("R-1")
    rep = reconcile("sandbox")
    assert rep.ok and rep.matched == 1


def test_differences_are_listed():
    _captured("R-1")
    _captured("R-2")
    SandboxRecord.objects.filter(reference="R-1").update(amount_minor=1100)
    # money held in escrow that the provider never captured
    escrow.hold(
        "test",
        order_ref="GHOST",
        seller_org_id=1,
        amount=Money("3.00", "EUR"),
        seller_currency="EUR",
        provider="sandbox",
    )
    SandboxRecord.objects.create(
        ref="sbx_pay_x",
        kind="payment",
        reference="NOT-BOOKED",
        currency="EUR",
        amount_minor=500,
        status="captured",
    )
    rep = reconcile("sandbox")
    problems = {d.reference: d.problem for d in rep.differences}
    assert problems == {
        "R-1": "amounts differ",
        "GHOST": "in the ledger, not at the provider",
        "NOT-BOOKED": "at the provider, not in the ledger",
    }
    assert rep.matched == 1
