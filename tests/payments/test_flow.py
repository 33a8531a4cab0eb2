"""The whole money path through the sandbox provider: pay, capture, escrow, release with FX,
refund, payout — and the books stay balanced and reconciled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.core.errors import Conflict
from ewtp.core.money import Money
from ewtp.payments import accounts, escrow, services
from ewtp.payments.models import Escrow, FxConversion, Payment, Payout, Refund
from ewtp.payments.reconciliation import reconcile
from ewtp.payments.verify import verify
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db
CARD = "4242424242424242"


def _pay(ref="ORD-1", amount="110.00", cur="AUD", seller=7, seller_cur="MYR", card=CARD, **kw):
    p = services.start_payment(
        "test",
        order_ref=ref,
        amount=Money(amount, cur),
        seller_org_id=seller,
        seller_currency=seller_cur,
        card_number=card,
        jurisdiction="AU",
        **kw,
    )
    flush_webhooks()
    return Payment.objects.get(pk=p.pk)


def test_pay_capture_release_with_fx(settings, rates):
    settings.EWTP_PAYMENTS_FEE_PERCENT = "2"
    settings.EWTP_PAYMENTS_FEE_FIXED = {"default": "0.30"}
    p = _pay(duty=Money("5.00", "AUD"), tax=Money("10.00", "AUD"))
    assert p.state == Payment.AUTHORISED and p.fee_minor == 220  # 2% of 95.00 + 0.30
    services.capture_payment("test", "ORD-1")
    flush_webhooks()
    e = Escrow.objects.get(order_ref="ORD-1")
    assert e.held_minor == 11000 and e.state == Escrow.PENDING
    assert accounts.seller_escrow(7, "AUD").balance == Money("110.00", "AUD")
    escrow.release("test", "ORD-1", rates=rates)
    e.refresh_from_db()
    assert e.state == Escrow.POSTED and e.remaining_minor == 0
    assert accounts.duty_payable("AU", "AUD").balance == Money("5.00", "AUD")
    assert accounts.tax_payable("AU", "AUD").balance == Money("10.00", "AUD")
    assert accounts.hub_fees("AUD").balance == Money("2.20", "AUD")
    # 92.80 AUD -> MYR at 4.80/1.65 = 2.9090909091 -> 269.96 gross, margin 0.5% = 1.35
    conv = FxConversion.objects.get()
    assert (conv.gross_minor, conv.margin_minor) == (26996, 135)
    assert accounts.seller_available(7, "MYR").balance == Money("268.61", "MYR")
    assert accounts.fx_margin("MYR").balance == Money("1.35", "MYR")
    with pytest.raises(Conflict):
        escrow.release("test", "ORD-1", rates=rates)
    assert verify().ok


def test_declined_card_never_reaches_escrow():
    p = _pay(card="4000000000000002")
    assert p.state == Payment.DECLINED and p.decline_reason == "card_declined"
    with pytest.raises(Conflict):
        services.capture_payment("test", "ORD-1")
    assert not Escrow.objects.exists()


def test_refund_split_and_failed_refund_returns_to_escrow(rates):
    _pay(ref="A", amount="50.00", cur="MYR")
    services.capture_payment("test", "A")
    _pay(ref="B", amount="30.00", cur="MYR", card="4000000000005126")
    services.capture_payment("test", "B")
    flush_webhooks()
    services.request_refund("test", "A", Money("20.00", "MYR"), "one item returned")
    services.request_refund("test", "B", Money("30.00", "MYR"))
    flush_webhooks()
    a, b = Escrow.objects.get(order_ref="A"), Escrow.objects.get(order_ref="B")
    assert a.state == Escrow.PARTIAL and a.refunded_minor == 2000
    assert Refund.objects.get(escrow=b).state == Refund.FAILED
    assert b.refunded_minor == 0 and b.state == Escrow.PENDING
    with pytest.raises(Conflict):
        services.request_refund("test", "A", Money("30.01", "MYR"))
    escrow.release("test", "A", rates=rates)
    a.refresh_from_db()
    assert a.state == Escrow.SPLIT and a.released_minor == 3000
    assert verify().ok
    assert reconcile("sandbox").ok


def test_dispute_hold_blocks_release_and_auto_release_is_idempotent(settings, rates):
    settings.EWTP_PAYMENTS_ESCROW_HOLD_DAYS = 10
    for ref in ("X", "Y", "Z"):
        _pay(ref=ref, amount="10.00", cur="MYR")
        services.capture_payment("test", ref)
    flush_webhooks()
    now = timezone.now()
    escrow.mark_delivered("test", "X", now - timedelta(days=11))
    escrow.mark_delivered("test", "Y", now - timedelta(days=11))
    escrow.mark_delivered("test", "Z", now - timedelta(days=2))
    escrow.set_hold("test", "Y", "dispute: item not as described")
    with pytest.raises(Conflict):
        escrow.release("test", "Y", rates=rates)
    assert escrow.release_due("test", now, rates=rates) == ["X"]
    assert escrow.release_due("test", now, rates=rates) == []
    escrow.set_hold("test", "Y", "")
    assert escrow.release_due("test", now, rates=rates) == ["Y"]
    assert verify().ok


def test_payouts_paid_and_failed(rates):
    _pay(ref="P1", amount="10.13", cur="MYR", seller=1)
    _pay(ref="P2", amount="20.00", cur="MYR", seller=2)
    for ref in ("P1", "P2"):
        services.capture_payment("test", ref)
    flush_webhooks()
    for ref in ("P1", "P2"):
        escrow.release("test", ref, rates=rates)
    avail1 = accounts.seller_available(1, "MYR").balance_minor
    batch = services.run_payouts("test")
    assert len(batch) == 2 and services.run_payouts("test") == []
    # seller 1's amount decides the sandbox outcome: fails only if it ends in 13
    flush_webhooks()
    states = {p.seller_org_id: p.state for p in Payout.objects.all()}
    expect1 = Payout.FAILED if avail1 % 100 == 13 else Payout.PAID
    assert states == {1: expect1, 2: Payout.PAID}
    assert accounts.seller_payable_out(2, "MYR").balance_minor == 0
    assert accounts.seller_available(1, "MYR").balance_minor == (avail1 if expect1 == Payout.FAILED else 0)
    assert verify().ok
    assert reconcile("sandbox").ok


def test_void_an_authorisation():
    _pay(ref="V-1", amount="15.00", cur="MYR")
    services.void_payment("test", "V-1")
    flush_webhooks()
    assert Payment.objects.get(order_ref="V-1").state == Payment.VOIDED
    with pytest.raises(Conflict):
        services.capture_payment("test", "V-1")
    with pytest.raises(Conflict):
        services.void_payment("test", "V-1")
    assert not Escrow.objects.exists()


def test_same_order_twice_is_the_same_payment_and_a_different_amount_conflicts():
    first = _pay(ref="I-1", amount="15.00", cur="MYR")
    again = services.start_payment(
        "test", order_ref="I-1", amount=Money("15.00", "MYR"), seller_org_id=7, seller_currency="MYR"
    )
    assert again.pk == first.pk
    with pytest.raises(Conflict):
        services.start_payment(
            "test", order_ref="I-1", amount=Money("16.00", "MYR"), seller_org_id=7, seller_currency="MYR"
        )


def test_every_state_change_is_audited():
    from ewtp.core.models import AuditEntry

    _pay(ref="AU-1", amount="15.00", cur="MYR")
    services.capture_payment("test", "AU-1")
    flush_webhooks()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "payments.payment_start",
        "payments.authorise_requested",
        "payments.payment_authorised",
        "payments.capture_requested",
        "payments.escrow_hold",
        "payments.payment_captured",
    ]
