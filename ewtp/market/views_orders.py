"""The buyer's own orders, newest first: every checkout (order group) with its orders per seller,
their state, what was paid, and the parcel's tracking number once it ships."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ewtp.core.actor import Role
from ewtp.logistics.shipments import tracking_numbers
from ewtp.market.models import Order, OrderGroup
from ewtp.web.access import page_actor, role_required

PER_PAGE = 20


@role_required(Role.BUYER)
def my_orders(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    groups = (OrderGroup.objects.filter(buyer_id=actor.user_id).order_by("-created_at", "-pk")
              .prefetch_related(Prefetch("orders", queryset=Order.objects.order_by("pk"))))
    page = Paginator(groups, PER_PAGE).get_page(request.GET.get("page"))
    refs = [o.reference for g in page for o in g.orders.all()]
    tracking = tracking_numbers(refs)
    for g in page:
        for o in g.orders.all():
            o.tracking_no = tracking.get(o.reference, "")
    return render(request, "market/my_orders.html", {"page": page})
