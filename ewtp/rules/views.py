"""The HS code browser: search by code prefix or words, walk chapters -> headings -> subheadings."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ewtp.rules.models import HSCode
from ewtp.rules.refdata import search_hs


def hs_browser(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].strip()
    ctx: dict = {"q": q}
    if q:
        page = Paginator(search_hs(q).order_by("code"), 50).get_page(request.GET.get("page"))
        ctx["page"] = page
    else:
        ctx["chapters"] = HSCode.objects.filter(level=2).order_by("code")
    template = "rules/hs_results.html" if request.headers.get("HX-Request") and q else "rules/hs_browser.html"
    return render(request, template, ctx)


def hs_detail(request: HttpRequest, code: str) -> HttpResponse:
    node = get_object_or_404(HSCode.objects.select_related("section", "parent"), code=code)
    trail = []
    p = node.parent
    while p is not None:
        trail.insert(0, p)
        p = p.parent
    return render(request, "rules/hs_detail.html", {"node": node, "trail": trail,
                                                     "children": node.children.order_by("code")})
