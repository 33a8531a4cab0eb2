"""A CN 23 customs declaration (UPU Convention, Article 20 / Letter Post Regulations RL 152
for the form's boxes) for one parcel: sender and addressee, per article the detailed
description (1), quantity (2), net weight (3), value (5), HS tariff number (7) and country of
origin (8); total gross weight (4), total value (6), postal charges (9), and the category of
item (10) with "Sale of goods" ticked ("Returned goods" for a return shipment)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from ewtp.logistics.addresses import address_lines
from ewtp.logistics.documents.common import finish, new_pdf, text
from ewtp.logistics.models import Parcel

CATEGORIES = ["Gift", "Commercial sample", "Documents", "Returned goods", "Sale of goods", "Other"]
COLUMNS = [("Detailed description of contents (1)", 0), ("Quantity (2)", 78), ("Net weight kg (3)", 98),
           ("Value (5)", 122), ("HS tariff number (7)", 146), ("Country of origin (8)", 170)]


def category(parcel: Parcel) -> str:
    return "Returned goods" if parcel.shipment.direction == parcel.shipment.RETURN else "Sale of goods"


def render(parcel: Parcel) -> bytes:
    s = parcel.shipment
    items = sorted(parcel.items.all(), key=lambda i: i.seq)
    w, h = A4
    c, buf = new_pdf(A4, f"CN 23 {parcel.tracking_no}")
    m = 15 * mm
    text(c, m, h - 20 * mm, "CUSTOMS DECLARATION CN 23", 16, bold=True)
    text(c, m, h - 26 * mm, f"Designated operator: eWTP hub   Item no. {parcel.tracking_no}   Order {s.order_ref}", 9)
    y = h - 36 * mm
    for label, addr, x in (("From (sender)", s.ship_from, m), ("To (addressee)", s.ship_to, w / 2)):
        text(c, x, y, label, 9, bold=True)
        yy = y
        for line in address_lines(addr):
            yy -= 4.5 * mm
            text(c, x, yy, line, 9)
        if addr.get("phone"):
            text(c, x, yy - 4.5 * mm, f"Tel {addr['phone']}", 9)
    y -= 40 * mm
    c.line(m, y + 5 * mm, w - m, y + 5 * mm)
    for title, dx in COLUMNS:
        text(c, m + dx * mm, y, title, 6.5, bold=True)
    net = Decimal(0)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for i in items:
        y -= 6 * mm
        text(c, m, y, i.description[:60], 8.5)
        text(c, m + 78 * mm, y, str(i.quantity), 8.5)
        text(c, m + 98 * mm, y, str(i.net_weight_kg), 8.5)
        text(c, m + 122 * mm, y, f"{i.value} {i.currency}", 8.5)
        text(c, m + 146 * mm, y, i.hs_code, 8.5)
        text(c, m + 170 * mm, y, i.origin_country, 8.5)
        net += i.net_weight_kg
        totals[i.currency] += i.value
    y -= 10 * mm
    c.line(m, y + 6 * mm, w - m, y + 6 * mm)
    text(c, m, y, f"Total net weight {net} kg", 9, bold=True)
    text(c, m + 60 * mm, y, f"Total gross weight (4) {parcel.weight_kg} kg", 9, bold=True)
    value = ", ".join(f"{v} {cur}" for cur, v in sorted(totals.items()))
    text(c, m + 122 * mm, y, f"Total value (6) {value}", 9, bold=True)
    charges = s.quote or {}
    if charges.get("price"):
        y -= 6 * mm
        text(c, m, y, f"Postal charges/Fees (9) {charges['price']} {charges.get('currency', '')}", 9)
    y -= 12 * mm
    text(c, m, y, "Category of item (10)", 9, bold=True)
    ticked = category(parcel)
    for n, cat in enumerate(CATEGORIES):
        text(c, m + (n % 3) * 60 * mm, y - (6 + 5 * (n // 3)) * mm, f"[{'X' if cat == ticked else ' '}] {cat}", 9)
    y -= 25 * mm
    text(c, m, y, f"Invoice (13): order {s.order_ref}", 9)
    y -= 12 * mm
    text(c, m, y, "I certify that the particulars given in this customs declaration are correct and that this item",
         8)
    text(c, m, y - 4 * mm, "does not contain any dangerous article prohibited by legislation or by postal regulations.",
         8)
    text(c, m, y - 12 * mm, f"Date and sender's signature (15): {timezone.now():%Y-%m-%d}  "
                            f"{s.ship_from.get('name', '')}", 9)
    return finish(c, buf)
