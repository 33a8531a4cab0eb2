"""The operator's page of the network: hubs, carriers, lanes and the rate tables in force on a day
(lanes sharing a carrier, ends and table shown as one row listing their countries)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ewtp.core.actor import Role
from ewtp.logistics.models import Carrier, Hub, Lane
from ewtp.logistics.snapshot import LaneInfo, network_on
from ewtp.web.access import role_required

KIND_NAMES = {Lane.FIRST_MILE: _("First mile"), Lane.LINE_HAUL: _("Line-haul"), Lane.LAST_MILE: _("Last mile")}
MODE_NAMES = {Lane.AIR: _("Air"), Lane.SEA: _("Sea"), Lane.ROAD: _("Road")}
ORDER = {Lane.FIRST_MILE: 0, Lane.LINE_HAUL: 1, Lane.LAST_MILE: 2}


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _rows(lanes: list[LaneInfo]) -> list[dict]:
    groups: dict[tuple, dict] = {}
    for lane in lanes:
        t = lane.table
        key = (lane.kind, lane.carrier, lane.mode, lane.from_hub, lane.to_hub if lane.kind != Lane.FIRST_MILE else "",
               lane.transit_days, t.source, t.currency, t.divisor, t.breaks, t.effective_from, t.effective_to)
        if lane.kind == Lane.FIRST_MILE:
            key = (*key, lane.to_hub)
        row = groups.setdefault(key, {"lane": lane, "kind": KIND_NAMES[lane.kind], "mode": MODE_NAMES[lane.mode],
                                      "countries": [], "table": t})
        if lane.kind == Lane.FIRST_MILE:
            row["countries"].append(lane.from_country)
        elif lane.kind == Lane.LAST_MILE:
            row["countries"].append(lane.to_country)
    return sorted(groups.values(), key=lambda r: (ORDER[r["lane"].kind], r["lane"].carrier, r["lane"].id))


@role_required(Role.HUB_OPERATOR)
def network_page(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    net = network_on(day)
    return render(request, "logistics/network.html", {
        "day": day, "hubs": Hub.objects.order_by("code"),
        "carriers": Carrier.objects.select_related("organisation").order_by("code"),
        "rows": _rows(list(net.lanes.values())), "lane_count": len(net.lanes),
        "inactive": Lane.objects.filter(active=False).count()})
