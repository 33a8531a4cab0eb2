"""Money paths of a returned order (refund from escrow / from the seller's balance): failed
refunds, duty and tax remitted at clearance, the operator's holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Actor, Role
from ewtp.core.money import Money
from ewtp.logistics import returns
from ewtp.payments import accounts, escrow, refund_retry, remittance
from ewtp.payments.models import Escrow, Refund
from ewtp.payments.providers.sandbox import REFUND_FAILS
from tests.logistics.factories_ops import Network, deliver, parties, pay_order, pin_rates, shipment
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db
OP = Actor(role=Role.HUB_OPERATOR, user_id=None)


def _return(s, seller_user, buyer):
    r = returns.request_return(actor_for_user(buyer), s.tracking_no, "faulty")
    returns.decide(actor_for_user(seller_user), r.pk, approve=True)
    return returns.confirm_receipt(actor_for_user(seller_user), r.pk, "faulty indeed")


def test_failed_return_refund_out_of_escrow_is_auto_released_to_the_seller(make_user, monkeypatch):
    """A return refunded out of escrow whose refund then fails: the money is back in escrow, owed
    to the buyer, so the scheduled auto-release must not pay it to the seller, and the operator
    can still retry the refund."""
    rates = pin_rates(monkeypatch)
    seller, seller_user, buyer = parties(make_user)
    s = deliver(shipment(Network(), seller=seller, buyer=buyer))
    pay_order(s, "100.00", "EUR", seller_currency="EUR", card=REFUND_FAILS)
    escrow.mark_delivered("test", s.order_ref, at=timezone.now())
    _return(s, seller_user, buyer)
    flush_webhooks()
    failed = Refund.objects.get(escrow__order_ref=s.order_ref)
    assert failed.state == Refund.FAILED  # in the operator's queue: the buyer is still owed 100.00
    assert Escrow.objects.get(order_ref=s.order_ref).remaining_minor == 10000

    released = escrow.release_due("test", timezone.now() + timedelta(days=30), rates=rates)

    # the buyer's refund money must not go to the seller while the refund is owed
    assert s.order_ref not in released, (
        f"auto-release paid the failed refund to the seller: seller available = "
        f"{accounts.seller_available(s.seller_id, 'EUR').balance_minor}"
    )
    refund_retry.retry(OP, failed.pk)  # and the operator can still retry it


def _funded_sale(make_user, *, amount="107.66", duty="3.00", tax="4.66"):
    seller, seller_user, buyer = parties(make_user)
    s = deliver(shipment(Network(), seller=seller, buyer=buyer))
    pay_order(s, amount, "EUR", seller_currency="EUR", duty=duty, tax=tax)
    # another sale so the seller's balance can cover a refund
    escrow.hold("test", order_ref="OTHER-R", seller_org_id=s.seller_id, amount=Money("500.00", "EUR"),
                seller_currency="EUR", provider="sandbox")
    escrow.release("test", "OTHER-R")
    return s, seller_user, buyer


def test_return_after_clearance_remittance_refunds_duty_and_tax_from_the_seller(make_user, monkeypatch):
    """Duty 3.00 + tax 4.66 remitted to the authority at clearance (the escrow's duty and tax
    counters drop to 0); then the escrow is released and the goods come back. The seller refunds
    100.00 (not 107.66: it never received the duty and tax) and the return says the hub must
    reclaim them from the authority."""
    pin_rates(monkeypatch)
    s, seller_user, buyer = _funded_sale(make_user)
    remittance.remit_at_clearance("test", s.order_ref, Money("3.00", "EUR"), Money("4.66", "EUR"))
    escrow.release("test", s.order_ref)
    r = _return(s, seller_user, buyer)
    # the same figures as a return of an order released without a remittance (covered by the suite)
    assert (r.refund_minor, r.refund_currency) == (10000, "EUR")
    assert r.duty_tax_refund == "to_reclaim_from_authority"


def test_return_from_escrow_after_remittance_says_nothing_to_reclaim(make_user, monkeypatch):
    """Duty and tax remitted at clearance, the rest still in escrow when the goods come back: the
    buyer gets 100.00 back out of escrow and the return records that the 7.66 with the authority
    is to be reclaimed."""
    pin_rates(monkeypatch)
    s, seller_user, buyer = _funded_sale(make_user)
    remittance.remit_at_clearance("test", s.order_ref, Money("3.00", "EUR"), Money("4.66", "EUR"))
    r = _return(s, seller_user, buyer)
    assert (r.refund_minor, r.refund_source) == (10000, "escrow")
    assert r.duty_tax_refund == "to_reclaim_from_authority"


def test_rejected_return_lifts_the_operators_hold(make_user, monkeypatch):
    """The hub operator holds an escrow (dispute / fraud check). A return is requested and then
    rejected: the operator's hold is neither replaced nor lifted, and auto-release waits."""
    rates = pin_rates(monkeypatch)
    seller, seller_user, buyer = parties(make_user)
    s = deliver(shipment(Network(), seller=seller, buyer=buyer))
    pay_order(s, "100.00", "EUR", seller_currency="EUR")
    escrow.mark_delivered("test", s.order_ref, at=timezone.now())
    escrow.set_hold(OP, s.order_ref, "fraud check: card reported stolen")

    r = returns.request_return(actor_for_user(buyer), s.tracking_no, "faulty")
    returns.decide(actor_for_user(seller_user), r.pk, approve=False, note="no fault found")

    assert Escrow.objects.get(order_ref=s.order_ref).hold_reason == "fraud check: card reported stolen"
    assert escrow.release_due("test", timezone.now() + timedelta(days=30), rates=rates) == []
