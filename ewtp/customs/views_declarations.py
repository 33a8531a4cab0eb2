"""All declarations an officer may see (their jurisdiction; the hub operator every one), to find
one again after it left the queue: filtered by status and lane, searched by declaration number,
order number or the buyer's ID number, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ewtp.core.actor import Role
from ewtp.customs.models import Declaration
from ewtp.customs.services import visible_declarations
from ewtp.customs.views import STATUS_NAMES
from ewtp.web.access import page_actor, role_required

PER_PAGE = 50


@role_required(Role.CUSTOMS_OFFICER)
def declaration_list(request: HttpRequest) -> HttpResponse:
    qs = visible_declarations(page_actor(request)).select_related("parcel")
    status = request.GET.get("status", "")
    lane = request.GET.get("lane", "")
    q = request.GET.get("q", "").strip()[:60]
    if status in STATUS_NAMES:
        qs = qs.filter(status=status)
    if lane in dict(Declaration.LANES):
        qs = qs.filter(lane=lane)
    if q:
        qs = qs.filter(Q(number=q) | Q(parcel__order_no=q) | Q(buyer_id_number=q))
    page = Paginator(qs.order_by("-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    for d in page:
        d.status_name = STATUS_NAMES.get(d.status, d.status)
    return render(request, "customs/declarations.html", {
        "page": page, "status": status, "lane": lane, "q": q,
        "statuses": list(STATUS_NAMES.items()), "lanes": Declaration.LANES})
