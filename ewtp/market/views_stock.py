"""The seller's stock page: on hand per variant and warehouse, edited inline (htmx swaps the row;
without JavaScript the form posts and the page comes back)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, Conflict, ValidationFailed
from ewtp.market import stock
from ewtp.web.access import page_actor, role_required


def _orgs(request: HttpRequest) -> frozenset[int]:
    actor = page_actor(request)
    if not actor.org_ids:
        raise PermissionDenied  # an operator without an organisation has no stock of its own
    return actor.org_ids


def _error_text(err: AppError) -> str:
    if isinstance(err, Conflict):
        return _("Someone changed this figure meanwhile: it is now %(n)s. Check it and save again.") % {
            "n": err.fields.get("on_hand", [""])[0].removeprefix("now ")}
    if isinstance(err, ValidationFailed) and "at least" in " ".join(err.fields.get("on_hand", [])):
        return _("On hand cannot be below the units reserved by open orders.")
    return _("Enter a whole number from 0 to 10,000,000.")


@role_required(Role.SELLER)
def stock_page(request: HttpRequest) -> HttpResponse:
    return render(request, "market/seller_stock.html", {"rows": stock.stock_rows(_orgs(request))})


@role_required(Role.SELLER)
def stock_edit(request: HttpRequest, variant_id: int, warehouse_id: int) -> HttpResponse:
    _orgs(request)
    if request.method != "POST":
        return redirect("market:seller-stock")
    htmx = bool(request.headers.get("HX-Request"))
    error, status = "", 200
    try:
        stock.edit_stock(page_actor(request), variant_id, warehouse_id, request.POST.get("on_hand"),
                         request.POST.get("expected"))
    except AppError as err:
        if err.status not in (409, 422):
            raise
        error, status = _error_text(err), err.status
    if not htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Stock saved."))
        return redirect("market:seller-stock")
    row = stock.row(variant_id, warehouse_id)
    return render(request, "market/seller_stock_row.html",
                  {"r": row, "error": error, "saved": not error, "typed": request.POST.get("on_hand", "")[:12]},
                  status=status)
