"""Officer pages: the queue of unmatched parcels and declarations to review; a declaration with
its documents and the officer's actions. Thin: every change goes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, Forbidden, NotFound
from ewtp.customs import declarations, services
from ewtp.customs.models import Declaration, TradeDocument
from ewtp.web.access import page_actor, role_required

STATUS_NAMES = {
    "2": gettext_lazy("declaring"), "120": gettext_lazy("accepted"), "300": gettext_lazy("manual review"),
    "399": gettext_lazy("examination concluded"), "500": gettext_lazy("inspection"), "599": gettext_lazy("held"),
    "800": gettext_lazy("released"), "100": gettext_lazy("rejected"),
}
ACTION_NAMES = {"hold": gettext_lazy("Hold"), "request_documents": gettext_lazy("Request documents"),
                "conclude": gettext_lazy("Conclude inspection"), "release": gettext_lazy("Release"),
                "reject": gettext_lazy("Reject")}
DOC_NAMES = {"order": gettext_lazy("Order (CEB311)"), "payment": gettext_lazy("Payment (CEB411)"),
             "waybill": gettext_lazy("Waybill (CEB511)"), "inventory": gettext_lazy("Inventory list (CEB621)")}


@role_required(Role.CUSTOMS_OFFICER)
def queue(request: HttpRequest) -> HttpResponse:
    parcels, decls = services.officer_queue(page_actor(request))
    for d in decls:
        d.status_name = STATUS_NAMES.get(d.status, d.status)
    return render(request, "customs/queue.html", {"parcels": parcels, "declarations": decls})


def _declaration(request: HttpRequest, pk: int) -> Declaration:
    decl = Declaration.objects.select_related("parcel").filter(pk=pk).first()
    try:
        if decl is None:
            raise NotFound("Declaration not found")
        declarations.require_declaration_access(page_actor(request), decl)  # another jurisdiction's officer: 403
    except NotFound:
        raise Http404(_("No such declaration.")) from None
    except Forbidden:
        raise PermissionDenied from None
    return decl


@role_required(Role.CUSTOMS_OFFICER)
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decl = _declaration(request, pk)
    docs = TradeDocument.objects.filter(order_no=decl.parcel.order_no, current=True)
    documents = [{"kind": d.kind, "name": DOC_NAMES[d.kind], "version": d.version, "format": d.body_format,
                  "fields": {k: v for k, v in d.fields.items() if k != "lines" and v not in (None, "")},
                  "lines": d.fields.get("lines", [])}
                 for d in sorted(docs, key=lambda d: list(DOC_NAMES).index(d.kind))]
    actor = page_actor(request)
    actions = []
    if actor.role == Role.CUSTOMS_OFFICER:
        actions = [{"code": a, "name": ACTION_NAMES[a], "needs_reason": a in declarations.NEEDS_REASON}
                   for a in declarations.OFFICER_ACTIONS if decl.status in declarations.TRANSITIONS[a][0]]
    return render(request, "customs/declaration.html", {
        "decl": decl, "status_name": STATUS_NAMES.get(decl.status, decl.status), "documents": documents,
        "actions": actions, "events": decl.events.all(),
    })


@require_POST
@role_required(Role.CUSTOMS_OFFICER)
def declaration_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    decl = _declaration(request, pk)
    try:
        declarations.officer_action(page_actor(request), decl.pk, action, request.POST.get("reason", ""))
    except AppError as err:
        messages.error(request, "; ".join(r for rs in err.fields.values() for r in rs) or err.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": ACTION_NAMES.get(action, action)})
    return redirect("customs:declaration", pk=decl.pk)
