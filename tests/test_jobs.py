"""`ewtp jobs`: a web buyer's payment moves on by itself — the sandbox's webhooks are delivered,
the authorised payment is captured into escrow, the order becomes paid; ticks are idempotent."""

from datetime import timedelta

from django.utils import timezone

from ewtp import jobs
from ewtp.market import cart
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order
from ewtp.market.payment_start import start_order_payment
from ewtp.market.placement import place_order
from ewtp.payments import services as payments
from ewtp.payments.models import Escrow, Payment
from tests.market.conftest import make_product, make_seller, operator  # noqa: F401 - fixtures
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _paying(buyer, variant, card):  # noqa: F811
    cart.set_quantity(buyer, variant, 1)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    start_order_payment(buyer, order)
    payments.authorise_payment(buyer, order.reference, card)
    return order


def test_ticks_capture_an_authorised_payment_into_escrow_and_mark_the_order_paid(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paying(buyer, v, "4242424242424242")
    later = timezone.now() + timedelta(minutes=5)
    first = jobs.tick(later)  # the authorisation arrives; the hub asks for the capture
    assert first["payments_captured"] == 1 and first["orders_paid"] == 0
    second = jobs.tick(later + timedelta(minutes=5))  # the capture is confirmed: escrow, then paid
    assert second["orders_paid"] == 1
    assert Payment.objects.get(order_ref=order.reference).state == Payment.CAPTURED
    assert Escrow.objects.get(order_ref=order.reference).state in Escrow.OPEN
    assert Order.objects.get(pk=order.pk).state == Order.PAID
    third = jobs.tick(later + timedelta(minutes=10))
    assert (third["payments_captured"], third["orders_paid"]) == (0, 0)


def test_a_declined_card_is_not_captured_and_the_order_waits(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paying(buyer, v, "4000000000000002")
    later = timezone.now() + timedelta(minutes=5)
    jobs.tick(later)
    r = jobs.tick(later + timedelta(minutes=5))
    assert r["payments_captured"] == 0
    assert Payment.objects.get(order_ref=order.reference).state == Payment.DECLINED
    assert Order.objects.get(pk=order.pk).state == Order.PLACED
