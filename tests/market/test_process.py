"""The order follows its payment: captured -> paid (CBEC usage counted), cancelled after payment
-> refund requested (and the usage given back)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import CbecUsage, Order
from ewtp.market.payment_start import start_order_payment
from ewtp.market.placement import place_order
from ewtp.market.process import sync_payments
from ewtp.payments import services as payments
from ewtp.payments.models import Payment, Refund
from ewtp.payments.webhooks import deliver_sandbox
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures

CN = {**AU, "country": "CN", "city": "Hangzhou", "id_name": "陈米娅", "id_number": "11010519491231002X"}


def _paid_order(buyer, variant, dest) -> Order:  # noqa: F811
    cart.set_quantity(buyer, variant, 1)
    order = place_order(buyer, quote_checkout(buyer, dest).pk).orders.get()
    start_order_payment(buyer, order)
    payments.authorise_payment(buyer, order.reference, "4242424242424242")
    later = timezone.now() + timedelta(minutes=5)
    deliver_sandbox(later)
    payments.capture_payment(SYSTEM, order.reference)
    deliver_sandbox(later + timedelta(minutes=5))
    assert Payment.objects.get(order_ref=order.reference).state == Payment.CAPTURED
    return order


def test_captured_payment_moves_the_order_to_paid_once(buyer, stocked):  # noqa: F811
    [v] = stocked()
    order = _paid_order(buyer, v, AU)
    assert sync_payments() == 1
    assert Order.objects.get(pk=order.pk).state == Order.PAID
    assert sync_payments() == 0  # idempotent


def test_cbec_usage_counts_paid_orders_and_gives_back_on_cancel(buyer, stocked):  # noqa: F811
    [v] = stocked("MY", "MYR", price="200.00", hs="090240", stock=5)
    order = _paid_order(buyer, v, CN)
    sync_payments()
    used = CbecUsage.objects.get(buyer_id=buyer.user_id).used_cny
    assert used == Decimal(Order.objects.get(pk=order.pk).snapshot["engine"]["values"]["threshold"]) > 0
    orders.transition(buyer, order.pk, Order.CANCELLED, reason="no longer needed")
    assert CbecUsage.objects.get(buyer_id=buyer.user_id).used_cny == 0
    assert Refund.objects.filter(escrow__order_ref=order.reference).exists()
