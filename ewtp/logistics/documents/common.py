"""What both documents need: who may print them, the parcel with its shipment, legs and
items in one query set, the route as hub codes, and a font that can write the text."""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from ewtp.core.actor import Actor
from ewtp.core.errors import NotFound
from ewtp.logistics.models import Parcel, Shipment

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "STSong-Light"  # one of reportlab's built-in CID fonts: Chinese text without shipping a font file
pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def parcel_for_documents(actor: Actor, tracking_no: str) -> Parcel:
    """The seller of the shipment, its carriers and operators print its documents; for a return
    shipment the buyer too (the buyer hands the return over). Anyone else: 404."""
    parcel = (Parcel.objects.select_related("shipment__origin_hub", "shipment__destination_hub", "shipment__seller")
              .prefetch_related("items", "shipment__legs__lane__from_hub", "shipment__legs__lane__to_hub",
                                "shipment__legs__carrier")
              .filter(tracking_no=tracking_no).first())
    if parcel is None:
        raise NotFound("parcel not found")
    s = parcel.shipment
    scope = s.access_scope()
    orgs = {scope.org_id, *scope.other_org_ids}
    buyer_returning = s.direction == Shipment.RETURN and actor.user_id is not None and actor.user_id == s.buyer_id
    if not (actor.is_operator or orgs & set(actor.org_ids) or buyer_returning):
        raise NotFound("parcel not found")
    return parcel


def route(shipment: Shipment) -> list[str]:
    """The places the legs join, in order: origin country, hub codes, destination country."""
    legs = sorted(shipment.legs.all(), key=lambda leg: leg.seq)
    if not legs:
        hubs = [h.code for h in (shipment.origin_hub, shipment.destination_hub) if h is not None]
        return [shipment.origin_country, *hubs, shipment.destination_country]
    stops = [shipment.origin_country]
    for leg in legs:
        end = leg.lane.to_hub.code if leg.lane.to_hub_id else leg.lane.to_country
        if stops[-1] != end:
            stops.append(end)
    return stops


def route_with_carriers(shipment: Shipment) -> str:
    legs = sorted(shipment.legs.all(), key=lambda leg: leg.seq)
    if not legs:
        return " > ".join(route(shipment))
    parts = [shipment.origin_country]
    for leg in legs:
        end = leg.lane.to_hub.code if leg.lane.to_hub_id else leg.lane.to_country
        parts.append(f"({leg.carrier.code}) {end}")
    return " > ".join(parts)


def text(c: Canvas, x: float, y: float, value: str, size: float = 9, *, bold: bool = False) -> None:
    """Draw `value` in a Latin font when it can, else in the CJK font (addresses in Chinese)."""
    try:
        value.encode("cp1252")
        font = LATIN_BOLD if bold else LATIN
    except UnicodeEncodeError:
        font = CJK
    c.setFont(font, size)
    c.drawString(x, y, value)


def new_pdf(size: tuple[float, float], title: str) -> tuple[Canvas, io.BytesIO]:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=size, pageCompression=0)  # uncompressed: tests and tools read the text
    c.setTitle(title)
    return c, buf


def finish(c: Canvas, buf: io.BytesIO) -> bytes:
    c.showPage()
    c.save()
    return buf.getvalue()
