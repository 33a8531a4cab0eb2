"""The buyer's pages: cart, checkout with the all-in price per seller, orders and the pay step."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ewtp.core.actor import Role
from ewtp.core.errors import AppError
from ewtp.core.permissions import can_access, require_access
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.forms import AddressForm
from ewtp.market.models import CheckoutQuote, Order, OrderGroup
from ewtp.market.payment_start import start_order_payment
from ewtp.market.placement import place_order
from ewtp.web.access import page_actor, role_required
from ewtp.web.forms import apply_errors


@require_POST
@role_required(Role.BUYER)
def add_to_cart(request: HttpRequest) -> HttpResponse:
    try:
        variant_id = int(request.POST.get("variant_id", "0"))
        quantity = int(request.POST.get("quantity", "1"))
        cart.set_quantity(page_actor(request), variant_id, quantity)
        messages.success(request, _("Cart updated."))
    except (ValueError, AppError) as err:
        messages.error(request, getattr(err, "message", _("Not a valid quantity.")))
    return redirect("market:cart")


@role_required(Role.BUYER)
def cart_page(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    initial = {"country": request.user.country}
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            q = quote_checkout(actor, {k: v for k, v in form.cleaned_data.items() if v})
            return redirect("market:checkout", quote_id=q.pk)
        except AppError as err:
            apply_errors(form, err)
    lines = cart.lines_of(cart.cart_for(actor))
    return render(request, "market/cart.html", {"lines": lines, "form": form})


@role_required(Role.BUYER)
def checkout_page(request: HttpRequest, quote_id: int) -> HttpResponse:
    q = get_object_or_404(CheckoutQuote, pk=quote_id)
    require_access(page_actor(request), q)
    if request.method == "POST":
        try:
            group = place_order(page_actor(request), q.pk)
            return redirect("market:order-group", group_id=group.pk)
        except AppError as err:
            messages.error(request, err.message)
            return redirect("market:cart")
    return render(request, "market/checkout.html", {"q": q, "consignments": q.payload["consignments"],
                                                    "expired": q.expires_at <= timezone.now()})


@role_required(Role.BUYER, Role.SELLER)
def order_group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(OrderGroup, pk=group_id)
    require_access(page_actor(request), group)
    return render(request, "market/order_group.html", {"group": group, "orders": group.orders.order_by("pk")})


@require_POST
@role_required(Role.BUYER)
def pay_order(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("group"), pk=order_id)
    actor = page_actor(request)
    require_access(actor, order)
    try:
        ref = start_order_payment(actor, order)
    except AppError as err:
        messages.error(request, err.message)
        return redirect("market:order-group", group_id=order.group_id)
    return redirect("payments:pay", order_ref=ref)


@require_POST
@role_required(Role.BUYER, Role.SELLER)
def cancel_order(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = page_actor(request)
    order = get_object_or_404(Order, pk=order_id)
    if not can_access(actor, order):  # as if it did not exist: no redirect naming its group
        raise Http404("order not found")
    try:
        orders.transition(actor, order.pk, Order.CANCELLED, reason=request.POST.get("reason", ""))
        messages.success(request, _("Order cancelled; reserved stock was released."))
    except AppError as err:
        messages.error(request, err.message)
    return redirect("market:order-group", group_id=order.group_id)
