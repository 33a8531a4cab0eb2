"""The reverse shipment of an approved return: buyer -> destination hub -> origin hub -> seller,
with the same parcels and contents (whole-order returns), legs on the reverse lanes where the
network has them, and its own tracking numbers (UPU S10 form, service letters RT/RP)."""

from __future__ import annotations

import uuid

from ewtp.logistics.models import Lane, Leg, Parcel, ParcelItem, Shipment
from ewtp.logistics.s10 import s10


def _reverse_lane(leg: Leg) -> Lane | None:
    lane = leg.lane
    lanes = Lane.objects.filter(active=True).select_related("carrier").order_by("transit_days", "pk")
    if leg.kind == Lane.LAST_MILE:  # hub -> buyer's country becomes buyer's country -> hub
        return lanes.filter(kind=Lane.FIRST_MILE, to_hub_id=lane.from_hub_id, from_country=lane.to_country).first()
    if leg.kind == Lane.LINE_HAUL:
        return lanes.filter(kind=Lane.LINE_HAUL, from_hub_id=lane.to_hub_id, to_hub_id=lane.from_hub_id).first()
    return lanes.filter(kind=Lane.LAST_MILE, from_hub_id=lane.to_hub_id, to_country=lane.from_country).first()


def create_reverse_shipment(original: Shipment) -> Shipment:
    s = Shipment.objects.create(
        tracking_no=uuid.uuid4().hex[:32], direction=Shipment.RETURN, order_ref=original.order_ref,
        seller_id=original.seller_id, buyer_id=original.buyer_id,
        origin_country=original.destination_country, destination_country=original.origin_country,
        origin_hub=original.destination_hub, destination_hub=original.origin_hub,
        ship_from=original.ship_to, ship_to=original.ship_from)
    s.tracking_no = s10("RT", s.pk, s.origin_country)
    s.save(update_fields=["tracking_no"])
    for p in original.parcels.prefetch_related("items").order_by("seq"):
        rp = Parcel.objects.create(shipment=s, seq=p.seq, tracking_no=uuid.uuid4().hex[:32], weight_kg=p.weight_kg,
                                   length_cm=p.length_cm, width_cm=p.width_cm, height_cm=p.height_cm)
        rp.tracking_no = s10("RP", rp.pk, s.origin_country)
        rp.save(update_fields=["tracking_no"])
        ParcelItem.objects.bulk_create([
            ParcelItem(parcel=rp, seq=i.seq, sku=i.sku, description=i.description, quantity=i.quantity,
                       net_weight_kg=i.net_weight_kg, value=i.value, currency=i.currency, hs_code=i.hs_code,
                       origin_country=i.origin_country) for i in p.items.all()])
    seq = 0
    for leg in original.legs.select_related("lane").order_by("-seq"):
        lane = _reverse_lane(leg)
        if lane is None:
            continue  # the network has no such lane: the hub routes that part by hand
        seq += 1
        Leg.objects.create(shipment=s, seq=seq, kind=lane.kind, lane=lane, carrier=lane.carrier,
                           tracking_no=f"{s.tracking_no}-{seq}", planned_days=lane.transit_days)
    return s
