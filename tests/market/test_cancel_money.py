"""Cancelling an order gives back whatever its payment reached, even before `sync_payments` has
moved the order to paid: abandon, void, or refund what is left in escrow."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order
from ewtp.market.payment_start import start_order_payment
from ewtp.market.placement import place_order
from ewtp.market.process import sync_payments
from ewtp.payments import services as payments
from ewtp.payments.autocapture import capture_authorised
from ewtp.payments.models import Escrow, Payment, Refund
from ewtp.payments.webhooks import deliver_sandbox
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _placed_and_authorised(buyer, v):  # noqa: F811
    cart.set_quantity(buyer, v, 1)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    start_order_payment(buyer, order)
    payments.authorise_payment(buyer, order.reference, "4242424242424242")
    deliver_sandbox(timezone.now() + timedelta(minutes=5))
    assert Payment.objects.get(order_ref=order.reference).state == Payment.AUTHORISED
    return order


def test_cancel_of_a_placed_order_with_a_captured_payment_refunds_the_buyer(buyer, stocked):  # noqa: F811
    """The provider has captured (money in escrow) but the order is still `placed` (sync_payments
    has not run yet). The buyer cancels: the escrow is refunded."""
    [v] = stocked()
    order = _placed_and_authorised(buyer, v)
    payments.capture_payment(SYSTEM, order.reference)
    deliver_sandbox(timezone.now() + timedelta(minutes=10))
    assert Payment.objects.get(order_ref=order.reference).state == Payment.CAPTURED
    assert Order.objects.get(pk=order.pk).state == Order.PLACED

    orders.transition(buyer, order.pk, Order.CANCELLED, reason="changed my mind")
    sync_payments()

    e = Escrow.objects.get(order_ref=order.reference)
    assert Order.objects.get(pk=order.pk).state == Order.CANCELLED
    assert Refund.objects.filter(escrow=e).exists(), (
        f"cancelled order, no refund: {e.money(e.remaining_minor)} still held in escrow")


def test_cancel_of_a_placed_order_with_an_authorised_payment_voids_it(buyer, stocked):  # noqa: F811
    """Authorised, order still `placed`; the buyer cancels: the authorisation is voided, so the
    scheduled auto-capture cannot take the money for a cancelled order."""
    [v] = stocked()
    order = _placed_and_authorised(buyer, v)

    orders.transition(buyer, order.pk, Order.CANCELLED, reason="changed my mind")
    capture_authorised()
    deliver_sandbox(timezone.now() + timedelta(minutes=10))

    p = Payment.objects.get(order_ref=order.reference)
    assert p.state != Payment.CAPTURED, (
        f"cancelled order's payment captured: {Escrow.objects.get(order_ref=order.reference).held_minor} "
        f"minor units of {p.currency} held in escrow, no refund")


def test_cancel_after_a_partial_refund_refunds_what_is_left(buyer, stocked, operator):  # noqa: F811
    """A paid order whose seller already refunded part of it (a price adjustment) is cancelled:
    what is left in escrow is refunded (asking for the full payment was refused, 409, and left
    the rest of the buyer's money in escrow; customs' rejection path takes the same road)."""
    from ewtp.core.money import Money

    [v] = stocked()
    order = _placed_and_authorised(buyer, v)
    payments.capture_payment(SYSTEM, order.reference)
    deliver_sandbox(timezone.now() + timedelta(minutes=10))
    sync_payments()
    p = Payment.objects.get(order_ref=order.reference)
    payments.request_refund("seller", order.reference, Money("1.00", p.currency), "price adjustment")

    orders.transition(operator, order.pk, Order.CANCELLED, reason="customs rejected the declaration")

    e = Escrow.objects.get(order_ref=order.reference)
    assert e.remaining_minor == 0 and e.refunded_minor == p.amount_minor


def test_cancel_while_the_authorisation_is_on_its_way_voids_it_at_the_provider(buyer, stocked):  # noqa: F811
    """The buyer's authorisation is sent, its webhook not yet in; the buyer cancels. The payment is
    abandoned (it can no longer be authorised); when the provider's `authorised` arrives, the hub
    voids the authorisation at the provider so the card's hold is released."""
    import pytest

    from ewtp.core.errors import Conflict
    from ewtp.payments.models import SandboxRecord

    [v] = stocked()
    cart.set_quantity(buyer, v, 1)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    start_order_payment(buyer, order)
    payments.authorise_payment(buyer, order.reference, "4242424242424242")
    assert Payment.objects.get(order_ref=order.reference).state == Payment.CREATED  # webhook not in yet
    orders.transition(buyer, order.pk, Order.CANCELLED, reason="changed my mind")
    assert Payment.objects.get(order_ref=order.reference).state == Payment.VOIDED
    with pytest.raises(Conflict):
        payments.authorise_payment(buyer, order.reference, "4242424242424242")
    deliver_sandbox(timezone.now() + timedelta(minutes=10))
    deliver_sandbox(timezone.now() + timedelta(minutes=20))
    capture_authorised()
    assert Payment.objects.get(order_ref=order.reference).state == Payment.VOIDED
    assert SandboxRecord.objects.get(kind="payment", reference=order.reference).status == "voided"
    assert not Escrow.objects.filter(order_ref=order.reference).exists()
    p = Payment.objects.get(order_ref=order.reference)
    late = {"provider_ref": p.provider_ref, "amount_minor": p.amount_minor, "currency": p.currency}
    assert "already voided" in payments.handle_event("sandbox", "payment.authorised", late)  # another copy
