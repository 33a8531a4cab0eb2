"""Paying a two-seller checkout with one card entry: all or nothing on a bad card number, then
both sellers' orders paid once the jobs capture them; nobody else can open the page."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from ewtp import jobs
from ewtp.accounts.models import User
from ewtp.core.actor import Role
from ewtp.market import cart
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order
from ewtp.market.placement import place_order
from ewtp.payments.models import Payment
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_one_card_entry_pays_every_sellers_order(buyer, stocked, make_user):  # noqa: F811
    [a] = stocked("MY", "MYR")
    [b] = stocked("CN", "CNY", price="120.00", hs="691200")
    cart.set_quantity(buyer, a, 1)
    cart.set_quantity(buyer, b, 1)
    group = place_order(buyer, quote_checkout(buyer, AU).pk)
    me = _client(User.objects.get(pk=buyer.user_id))
    url = f"/market/orders/{group.pk}/pay/"
    page = me.get(url)
    assert page.status_code == 200 and 'data-testid="group-total"' in page.content.decode()
    assert "支付订单" in me.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Bayar untuk pesanan" in me.get(url, HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    bad = me.post(url, {"card_number": "12"})
    assert bad.status_code == 422 and not Payment.objects.exists()  # nothing started
    assert me.post(url, {"card_number": "4242 4242 4242 4242"}).status_code == 302
    assert Payment.objects.count() == 2
    later = timezone.now() + timedelta(minutes=5)
    jobs.tick(later)
    jobs.tick(later + timedelta(minutes=5))
    assert set(Order.objects.filter(group=group).values_list("state", flat=True)) == {Order.PAID}
    assert me.get(url).status_code == 302  # nothing left to pay
    assert _client(make_user(Role.BUYER)).get(url).status_code == 404
