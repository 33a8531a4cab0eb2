"""The manifest of a master waybill: every parcel on it with its customs data (consignee,
destination, weight, and per article: description, quantity, net weight, value, currency,
HS code, origin) and the totals — as JSON and as CSV (one row per article, TOTAL rows last)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from ewtp.core.actor import Actor
from ewtp.core.errors import Forbidden, NotFound
from ewtp.logistics.addresses import one_line
from ewtp.logistics.consolidation import require_hub_staff
from ewtp.logistics.models import MasterWaybill, Parcel

CSV_COLUMNS = ["waybill", "bag", "tracking_no", "order_ref", "consignee", "consignee_address",
               "destination_country", "parcel_weight_kg", "item", "description", "quantity", "net_weight_kg",
               "value", "currency", "hs_code", "origin_country"]


def _waybill_for(actor: Actor, number: str) -> MasterWaybill:
    wb = (MasterWaybill.objects.select_related("lane__from_hub", "lane__to_hub", "carrier")
          .filter(number=number).first())
    if wb is None:
        raise NotFound("master waybill not found")
    if not (wb.carrier.organisation_id and wb.carrier.organisation_id in actor.org_ids):
        try:
            require_hub_staff(actor)
        except Forbidden:
            raise NotFound("master waybill not found") from None  # hide it, as every denied read
    return wb


def build(actor: Actor, number: str) -> dict:
    wb = _waybill_for(actor, number)
    parcels = list(Parcel.objects.filter(bag__master_waybill=wb).select_related("shipment", "bag")
                   .prefetch_related("items").order_by("bag__code", "tracking_no"))
    bags: dict[str, list[str]] = {code: [] for code in wb.bags.order_by("code").values_list("code", flat=True)}
    value: dict[str, Decimal] = defaultdict(Decimal)
    gross = net = Decimal(0)
    quantity = 0
    rows = []
    for p in parcels:
        bags[p.bag.code].append(p.tracking_no)
        s = p.shipment
        items = sorted(p.items.all(), key=lambda i: i.seq)
        gross += p.weight_kg
        for i in items:
            value[i.currency] += i.value
            net += i.net_weight_kg
            quantity += i.quantity
        rows.append({
            "tracking_no": p.tracking_no, "bag": p.bag.code, "order_ref": s.order_ref,
            "consignee": {"name": s.ship_to.get("name", ""), "address": one_line(s.ship_to),
                          "phone": s.ship_to.get("phone", "")},
            "destination_country": s.destination_country, "weight_kg": str(p.weight_kg),
            "items": [{"seq": i.seq, "description": i.description, "quantity": i.quantity,
                       "net_weight_kg": str(i.net_weight_kg), "value": str(i.value), "currency": i.currency,
                       "hs_code": i.hs_code, "origin_country": i.origin_country} for i in items],
        })
    return {
        "waybill": wb.number, "mode": wb.lane.mode, "carrier": wb.carrier.code, "voyage": wb.voyage,
        "departs_on": wb.departs_on.isoformat(), "status": wb.status,
        "origin_hub": wb.lane.from_hub.code if wb.lane.from_hub_id else "",
        "destination_hub": wb.lane.to_hub.code if wb.lane.to_hub_id else "",
        "bags": [{"code": c, "parcels": t} for c, t in bags.items()],
        "parcels": rows,
        "totals": {"bags": len(bags), "parcels": len(rows), "quantity": quantity,
                   "gross_weight_kg": str(gross), "net_weight_kg": str(net),
                   "value": {c: str(v) for c, v in sorted(value.items())}},
    }


def to_csv(manifest: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    number = manifest["waybill"]
    for p in manifest["parcels"]:
        for i in p["items"]:
            w.writerow([number, p["bag"], p["tracking_no"], p["order_ref"], p["consignee"]["name"],
                        p["consignee"]["address"], p["destination_country"], p["weight_kg"], i["seq"],
                        i["description"], i["quantity"], i["net_weight_kg"], i["value"], i["currency"],
                        i["hs_code"], i["origin_country"]])
    t = manifest["totals"]
    for currency, amount in t["value"].items() or [("", "0")]:
        # one TOTAL row per currency: bags and parcels counted, weights summed
        w.writerow(["TOTAL", t["bags"], t["parcels"], "", "", "", "", t["gross_weight_kg"], "", "",
                    t["quantity"], t["net_weight_kg"], amount, currency, "", ""])
    return out.getvalue()
