"""The tax returns page: every return (officers: their jurisdiction's) with CSV and JSON downloads.
Building, filing and paying go through the API or `ewtp customs returns`."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ewtp.core.actor import Role
from ewtp.core.errors import NotFound
from ewtp.customs import returns
from ewtp.customs.returns_export import as_csv, as_json
from ewtp.web.access import page_actor, role_required

STATUS_NAMES = {"draft": gettext_lazy("draft"), "filed": gettext_lazy("filed"), "paid": gettext_lazy("paid")}
SCHEME_NAMES = {"EU-IOSS": gettext_lazy("EU Import One-Stop Shop (monthly)"),
                "MY-LVG": gettext_lazy("Malaysia low value goods (quarterly)"),
                "CN-CBEC": gettext_lazy("China CBEC tax bill summary (monthly)")}


@role_required(Role.HUB_OPERATOR, Role.CUSTOMS_OFFICER)
def returns_list(request: HttpRequest) -> HttpResponse:
    rows = list(returns.visible_returns(page_actor(request))[:500])
    for r in rows:
        r.status_name = STATUS_NAMES.get(r.status, r.status)
        r.scheme_name = SCHEME_NAMES.get(r.scheme, r.scheme)
    return render(request, "customs/returns.html", {"returns": rows})


@role_required(Role.HUB_OPERATOR, Role.CUSTOMS_OFFICER)
def return_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    try:
        ret = returns.get_return(page_actor(request), pk)
    except NotFound:
        raise Http404(_("No such tax return.")) from None
    if fmt == "csv":
        resp = HttpResponse(as_csv(ret), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        resp = HttpResponse(json.dumps(as_json(ret), ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    else:
        raise Http404(_("No such format."))
    resp["Content-Disposition"] = f'attachment; filename="{ret.scheme}-{ret.jurisdiction}-{ret.period}.{fmt}"'
    return resp
