"""Paying a whole checkout at once (`payment_start.pay_group`): the page with the total and the
card form, the SANDBOX test cards beside it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, NotFound
from ewtp.core.money import Money
from ewtp.core.permissions import get_accessible
from ewtp.market.models import OrderGroup
from ewtp.market.payment_start import pay_group as pay_all
from ewtp.market.payment_start import waiting_for_payment
from ewtp.payments.providers.sandbox import test_cards
from ewtp.web.access import page_actor, role_required


@role_required(Role.BUYER)
def pay_group(request: HttpRequest, group_id: int) -> HttpResponse:
    actor = page_actor(request)
    try:
        group = get_accessible(actor, OrderGroup, "order", pk=group_id)
    except NotFound:
        raise Http404(_("No such order.")) from None
    waiting = waiting_for_payment(group)
    if not waiting:
        messages.info(request, _("Nothing is waiting for payment in this order."))
        return redirect("market:order-group", group_id=group.pk)
    error = ""
    if request.method == "POST":
        try:
            pay_all(actor, group, request.POST.get("card_number", "")[:23])
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
