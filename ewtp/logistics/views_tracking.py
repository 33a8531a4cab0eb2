"""The buyer's tracking page: the timeline in the viewer's language, the route picture and the
estimated delivery. Only the shipment's buyer, its seller and the hub operator see it (404 for
anyone else, so tracking numbers cannot be probed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ewtp.core.actor import Actor
from ewtp.logistics.eta import estimate_delivery
from ewtp.logistics.models import Shipment
from ewtp.logistics.reasons import reason_label
from ewtp.logistics.routemap import route_map
from ewtp.logistics.tracking import find_shipment, local_time, timeline
from ewtp.web.access import page_actor, role_required

STATUS_LABELS = {
    "info_received": gettext_lazy("Label created, waiting for the carrier"),
    "picked_up": gettext_lazy("Picked up"),
    "in_transit": gettext_lazy("In transit"),
    "at_hub": gettext_lazy("At a sorting hub"),
    "customs_hold": gettext_lazy("Held by customs"),
    "customs_cleared": gettext_lazy("Cleared by customs"),
    "out_for_delivery": gettext_lazy("Out for delivery"),
    "delivered": gettext_lazy("Delivered"),
    "delivery_failed": gettext_lazy("Delivery attempt failed"),
    "exception": gettext_lazy("Delayed: there is a problem"),
    "returned_to_sender": gettext_lazy("Returned to the sender"),
    "": gettext_lazy("Carrier update"),
}
LEG_LABELS = {"first_mile": gettext_lazy("First mile"), "line_haul": gettext_lazy("Line-haul"),
              "last_mile": gettext_lazy("Last mile")}
MODE_LABELS = {"air": gettext_lazy("air"), "sea": gettext_lazy("sea"), "road": gettext_lazy("road")}


def may_view(actor: Actor, shipment: Shipment) -> bool:
    """The buyer, the seller's people and the hub operator (carriers use the API)."""
    return actor.is_operator or actor.user_id == shipment.buyer_id or shipment.seller_id in actor.org_ids


@role_required()
def find(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    if number:
        return redirect("logistics:track", tracking_no=number[:40])
    return render(request, "logistics/track_find.html")


@role_required()
def track(request: HttpRequest, tracking_no: str) -> HttpResponse:
    shipment = find_shipment(tracking_no)
    if shipment is None or not may_view(page_actor(request), shipment):
        raise Http404(_("No such shipment."))
    legs = list(shipment.legs.select_related("lane__from_hub", "lane__to_hub", "carrier").order_by("seq"))
    events = timeline(shipment)
    # times as the carrier reported them, in one numeric form for every language (formatting 50
    # localised dates was a third of the page's time)
    rows = [{"at": local_time(e).strftime("%Y-%m-%d %H:%M"), "tz": e.details.get("tz", ""),
             "label": STATUS_LABELS.get(e.status, e.status), "status": e.status or "unknown", "reason": reason_label(e.reason),
             "code": e.raw_code, "text": e.raw_text, "carrier": e.carrier_name, "location": e.location,
             "country": e.country, "unknown": e.unknown_code}
            for e in reversed(events)]  # newest first
    for leg in legs:
        leg.label = LEG_LABELS.get(leg.kind, leg.kind)
        leg.mode_label = MODE_LABELS.get(leg.lane.mode, leg.lane.mode)
    context = {"shipment": shipment, "status_label": STATUS_LABELS.get(shipment.status, shipment.status),
               "status_reason": reason_label(shipment.status_reason),
               "eta": estimate_delivery(shipment, legs=legs, events=events), "legs": legs, "rows": rows, "map": route_map(legs, events)}
    template = "logistics/_track_body.html" if request.headers.get("HX-Request") else "logistics/track.html"
    return render(request, template, context)
