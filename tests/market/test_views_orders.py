"""The buyer's "My orders" page: only their own orders, states in their language, a parcel link
once shipped; other roles are refused."""

from django.test import Client

from ewtp.accounts.models import User
from ewtp.core.actor import Role
from ewtp.market import cart
from ewtp.market.checkout import quote_checkout
from ewtp.market.placement import place_order
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _page(user, lang="en"):
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c.get("/market/orders/", HTTP_ACCEPT_LANGUAGE=lang)


def test_my_orders_lists_only_my_orders_with_translated_states(buyer, stocked, make_user):  # noqa: F811
    [v] = stocked()
    cart.set_quantity(buyer, v, 1)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    me = User.objects.get(pk=buyer.user_id)
    html = _page(me).content.decode()
    assert order.reference in html and "Placed, waiting for payment" in html
    assert "已下单，等待付款" in _page(me, "zh-hans").content.decode()
    assert "Dibuat, menunggu bayaran" in _page(me, "ms").content.decode()
    other = make_user(Role.BUYER)
    html = _page(other).content.decode()
    assert order.reference not in html and "No orders yet." in html
    assert _page(make_user(Role.SELLER)).status_code == 403


def test_only_a_party_may_cancel_and_others_learn_nothing(buyer, stocked, make_user):  # noqa: F811
    from ewtp.market.models import Order

    [v] = stocked()
    cart.set_quantity(buyer, v, 1)
    order = place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()
    stranger = Client()
    stranger.force_login(make_user(Role.BUYER))
    r = stranger.post(f"/market/orders/cancel/{order.pk}/")
    assert r.status_code == 404 and str(order.group_id) not in r.get("Location", "")  # no redirect to its group
    assert Order.objects.get(pk=order.pk).state == Order.PLACED
    mine = Client()
    mine.force_login(User.objects.get(pk=buyer.user_id))
    assert mine.post(f"/market/orders/cancel/{order.pk}/").status_code == 302
    assert Order.objects.get(pk=order.pk).state == Order.CANCELLED
