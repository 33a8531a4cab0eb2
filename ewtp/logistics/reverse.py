"""The reverse shipment of an approved return: buyer -> destination hub -> origin hub -> seller,
with the same parcels and contents (whole-order returns), legs on the reverse lanes where the
network has them, and its own tracking numbers (UPU S10 form, service letters RT/RP)."""

from __future__ import annotations

import uuid

from ewtp.core.compiled import CompiledQuery, create, insert, save_fields
from ewtp.logistics.models import Lane, Leg, Parcel, ParcelItem, Shipment
from ewtp.logistics.s10 import s10
from ewtp.logistics.shipments import remembered

_LANES = Lane.objects.filter(active=True).select_related("carrier").order_by("transit_days", "pk")
# the reverse of each kind of leg, the fastest active lane first (compiled once: every return asks)
_FIRST_MILE_TO = CompiledQuery(lambda hub, country: _LANES.filter(
    kind=Lane.FIRST_MILE, to_hub_id=hub, from_country=country)[:1], texts=(1,))
_LINE_HAUL = CompiledQuery(lambda frm, to: _LANES.filter(kind=Lane.LINE_HAUL, from_hub_id=frm, to_hub_id=to)[:1])
_LAST_MILE_FROM = CompiledQuery(lambda hub, country: _LANES.filter(
    kind=Lane.LAST_MILE, from_hub_id=hub, to_country=country)[:1], texts=(1,))


# the original's parcels, their items and its legs, asked at every return: compiled once
_PARCELS = CompiledQuery(lambda sid: Parcel.objects.filter(shipment_id=sid).order_by("seq"))
_ITEMS = CompiledQuery(lambda pid: ParcelItem.objects.filter(parcel_id=pid).order_by("pk"))
_LEGS = CompiledQuery(lambda sid: Leg.objects.filter(shipment_id=sid).select_related("lane").order_by("-seq"))


def _reverse_lane(leg: Leg) -> Lane | None:
    """The reverse of the leg's lane (within `shipments.network_memo`, looked up once per lane)."""
    return remembered("reverse_lane", (leg.kind, leg.lane_id), lambda: _find_reverse(leg))


def _find_reverse(leg: Leg) -> Lane | None:
    lane = leg.lane
    if leg.kind == Lane.LAST_MILE:  # hub -> buyer's country becomes buyer's country -> hub
        if lane.from_hub_id is None:  # (a compiled query cannot say IS NULL)
            return _LANES.filter(kind=Lane.FIRST_MILE, to_hub_id=None, from_country=lane.to_country).first()
        return _FIRST_MILE_TO.first(lane.from_hub_id, lane.to_country)
    if leg.kind == Lane.LINE_HAUL:
        if lane.to_hub_id is None or lane.from_hub_id is None:
            return _LANES.filter(kind=Lane.LINE_HAUL, from_hub_id=lane.to_hub_id, to_hub_id=lane.from_hub_id).first()
        return _LINE_HAUL.first(lane.to_hub_id, lane.from_hub_id)
    if lane.to_hub_id is None:
        return _LANES.filter(kind=Lane.LAST_MILE, from_hub_id=None, to_country=lane.from_country).first()
    return _LAST_MILE_FROM.first(lane.to_hub_id, lane.from_country)


def create_reverse_shipment(original: Shipment) -> Shipment:
    s = create(
        Shipment, tracking_no=uuid.uuid4().hex[:32], direction=Shipment.RETURN, order_ref=original.order_ref,
        seller_id=original.seller_id, buyer_id=original.buyer_id,
        origin_country=original.destination_country, destination_country=original.origin_country,
        origin_hub_id=original.destination_hub_id, destination_hub_id=original.origin_hub_id,
        ship_from=original.ship_to, ship_to=original.ship_from)
    s.tracking_no = s10("RT", s.pk, s.origin_country)
    save_fields(s, ["tracking_no"])
    for p in _PARCELS(original.pk):
        rp = create(Parcel, shipment=s, seq=p.seq, tracking_no=uuid.uuid4().hex[:32], weight_kg=p.weight_kg,
                    length_cm=p.length_cm, width_cm=p.width_cm, height_cm=p.height_cm)
        rp.tracking_no = s10("RP", rp.pk, s.origin_country)
        save_fields(rp, ["tracking_no"])
        insert([ParcelItem(parcel=rp, seq=i.seq, sku=i.sku, description=i.description, quantity=i.quantity,
                           net_weight_kg=i.net_weight_kg, value=i.value, currency=i.currency, hs_code=i.hs_code,
                           origin_country=i.origin_country) for i in _ITEMS(p.pk)])
    seq = 0
    for leg in _LEGS(original.pk):
        lane = _reverse_lane(leg)
        if lane is None:
            continue  # the network has no such lane: the hub routes that part by hand
        seq += 1
        create(Leg, shipment=s, seq=seq, kind=lane.kind, lane=lane, carrier=lane.carrier,
               tracking_no=f"{s.tracking_no}-{seq}", planned_days=lane.transit_days)
    return s
