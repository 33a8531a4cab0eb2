"""Paying a whole checkout at once: one card entry authorises the payment of every order of the
group still waiting for one (one payment and escrow per seller order, as the ledger keeps them).
All or nothing: a card the provider refuses outright (not a number) changes nothing; a decline
comes back per payment, asynchronously, like a real provider's."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, NotFound
from ewtp.core.money import Money
from ewtp.core.permissions import get_accessible
from ewtp.market.models import Order, OrderGroup
from ewtp.market.payment_start import start_order_payment
from ewtp.payments import services as payments
from ewtp.payments.models import Payment
from ewtp.payments.providers.sandbox import test_cards
from ewtp.web.access import page_actor, role_required


def _waiting(group: OrderGroup) -> list[Order]:
    """Placed orders without a payment, or whose payment still waits for a card."""
    placed = list(group.orders.filter(state=Order.PLACED).order_by("pk"))
    started = dict(Payment.objects.filter(order_ref__in=[o.reference for o in placed])
                   .values_list("order_ref", "state"))
    return [o for o in placed if started.get(o.reference, Payment.CREATED) == Payment.CREATED]


@role_required(Role.BUYER)
def pay_group(request: HttpRequest, group_id: int) -> HttpResponse:
    actor = page_actor(request)
    try:
        group = get_accessible(actor, OrderGroup, "order", pk=group_id)
    except NotFound:
        raise Http404(_("No such order.")) from None
    waiting = _waiting(group)
    if not waiting:
        messages.info(request, _("Nothing is waiting for payment in this order."))
        return redirect("market:order-group", group_id=group.pk)
    error = ""
    if request.method == "POST":
        card = request.POST.get("card_number", "")[:23]
        try:
            with transaction.atomic():
                for order in waiting:
                    if not Payment.objects.filter(order_ref=order.reference).exists():
                        start_order_payment(actor, order)
                    payments.authorise_payment(actor, order.reference, card)
        except AppError as err:
            error = "; ".join(r for rs in err.fields.values() for r in rs) or err.message
        else:
            messages.success(request, _("Payment sent to the provider; each seller's order turns paid when "
                                        "its payment is captured into escrow."))
            return redirect("market:order-group", group_id=group.pk)
    total = Money(sum((o.total for o in waiting), Decimal(0)), group.currency).format(request.LANGUAGE_CODE)
    return render(request, "market/pay_group.html", {"group": group, "orders": waiting, "total": total,
                                                     "error": error, "test_cards": test_cards()},
                  status=422 if error else 200)
