"""The shipping label of one parcel: 4 x 6 in (the thermal-printer size carriers accept), with
the tracking number as a Code 128 barcode (reportlab's own encoder, code set switched
automatically) and in clear, sender and addressee, the route by hub codes and the weight."""

from __future__ import annotations

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch, mm

from ewtp.logistics.addresses import address_lines
from ewtp.logistics.documents.common import finish, new_pdf, route, route_with_carriers, text
from ewtp.logistics.models import Parcel

PAGE = (4 * inch, 6 * inch)


def barcode_for(tracking_no: str) -> Code128:
    # 0.33 mm modules keep a 13-character S10 number under 85 mm wide, readable by hand scanners
    return Code128(tracking_no, barWidth=0.33 * mm, barHeight=18 * mm, humanReadable=False, quiet=True)


def render(parcel: Parcel) -> bytes:
    s = parcel.shipment
    w, h = PAGE
    c, buf = new_pdf(PAGE, f"Label {parcel.tracking_no}")
    m = 5 * mm
    text(c, m, h - 9 * mm, "eWTP", 14, bold=True)
    kind = "RETURN" if s.direction == s.RETURN else "PARCEL"
    text(c, w - 40 * mm, h - 9 * mm, f"{kind} {parcel.seq}/{s.parcels.count()}", 10, bold=True)
    c.line(m, h - 12 * mm, w - m, h - 12 * mm)
    y = h - 17 * mm
    text(c, m, y, "FROM", 7, bold=True)
    for line in address_lines(s.ship_from):
        y -= 3.6 * mm
        text(c, m, y, line, 8)
    y -= 6 * mm
    text(c, m, y, "TO", 8, bold=True)
    for i, line in enumerate(address_lines(s.ship_to)):
        y -= 5 * mm
        text(c, m + 3 * mm, y, line, 11, bold=i == 0)
    if s.ship_to.get("phone"):
        y -= 4.5 * mm
        text(c, m + 3 * mm, y, f"Tel {s.ship_to['phone']}", 8)
    y -= 7 * mm
    c.line(m, y + 4 * mm, w - m, y + 4 * mm)
    stops = route(s)
    text(c, m, y - 2 * mm, "ROUTE " + " > ".join(stops), 12, bold=True)
    text(c, m, y - 7 * mm, route_with_carriers(s), 7)
    text(c, m, y - 13 * mm, f"Weight {parcel.weight_kg} kg", 10, bold=True)
    dims = f"{parcel.length_cm} x {parcel.width_cm} x {parcel.height_cm} cm"
    text(c, m + 40 * mm, y - 13 * mm, dims, 8)
    text(c, m, y - 18 * mm, f"Order {s.order_ref}   Shipment {s.tracking_no}", 7)
    bc = barcode_for(parcel.tracking_no)
    bc.drawOn(c, (w - bc.width) / 2, 14 * mm)
    text(c, (w - 42 * mm) / 2, 8 * mm, parcel.tracking_no, 12, bold=True)
    return finish(c, buf)
