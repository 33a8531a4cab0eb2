"""The dashboard page: filters in the query string, one chart card per figure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ewtp.core.actor import Role
from ewtp.core.errors import ValidationFailed
from ewtp.dashboard import figures as figs
from ewtp.dashboard.charts import charts
from ewtp.web.access import role_required


@role_required(Role.HUB_OPERATOR, Role.ANALYST)
def dashboard(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    try:
        f = figs.parse_filters(request.GET.get("from"), request.GET.get("to"), request.GET.get("hub"))
    except ValidationFailed as err:
        errors, f = err.fields, figs.default_filters()
    fig = figs.figures(f)
    return render(request, "dashboard/dashboard.html", {
        "filters": f, "errors": errors, "hubs": figs.hubs(), "no_hub": figs.NO_HUB, "charts": charts(fig),
        "gmv_total": fig["gmv"]["total_usd"]}, status=422 if errors else 200)
