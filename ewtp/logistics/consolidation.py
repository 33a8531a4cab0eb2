"""Consolidation at the origin hub: parcels go into bags per destination hub, bags are sealed
and loaded onto a master waybill (one flight or vessel on a line-haul lane), which departs.

Every move is one scan (`scan`), idempotent: the same parcel scanned into the same bag again
changes nothing; into another bag it is refused (409). A parcel only goes into an open bag
whose destination hub is its shipment's destination hub; a bag only onto an open waybill whose
lane runs from the bag's origin hub to its destination hub. Scanning is done by the hub's own
logistics partner (the organisation of carrier EWTPHUB) or a hub operator. Each scan that moves
parcels also puts them in their shipments' tracking history as the hub's own events (code table
ewtp_hub: BAG, MAWB, DEP), so the buyer sees the hub's work beside the carriers'.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.logistics import places
from ewtp.logistics.models import Bag, Carrier, Hub, Lane, MasterWaybill, Parcel, Scan
from ewtp.logistics.numbers import check_waybill_number
from ewtp.logistics.tracking import EventData, ingest


def require_hub_staff(actor: Actor) -> None:
    """Operators, or a logistics partner acting for the hub's own carrier organisation."""
    if actor.is_operator:
        return
    if actor.role == Role.LOGISTICS_PARTNER:
        org = Carrier.objects.filter(code=Carrier.HUB).values_list("organisation_id", flat=True).first()
        if org is not None and org in actor.org_ids:
            return
    raise Forbidden("only the hub's own logistics partner or a hub operator may do this")


def _hub_events(actor: Actor, hub: Hub, code: str, event_key: str, tracking_nos: list[str], text: str) -> None:
    """The hub's scan as one tracking event per parcel; the event id is derived from the scan, so
    a repeated scan adds nothing. Stamped at the hub's local offset, as a carrier stamps its scans."""
    now = timezone.now().astimezone(places.zone(hub.country))
    ingest(actor, Carrier.HUB, [EventData(event_id=f"{event_key}-{no}", tracking_number=no, code=code,
                                          occurred_at=now, text=text, location=hub.city, country=hub.country)
                                for no in tracking_nos])


def _hub(code: str) -> Hub:
    hub = Hub.objects.filter(code=code.upper()).first()
    if hub is None:
        raise ValidationFailed.field("hub", f"unknown hub {code!r}")
    return hub


def create_bag(actor: Actor, origin_hub: str, destination_hub: str) -> Bag:
    require_hub_staff(actor)
    origin, dest = _hub(origin_hub), _hub(destination_hub)
    if origin.pk == dest.pk:
        raise ValidationFailed.field("destination_hub", "must differ from the origin hub")
    with transaction.atomic():
        bag = Bag.objects.create(code=uuid.uuid4().hex[:32], origin_hub=origin, destination_hub=dest)
        # readable and unique: origin, destination, day, the bag's own id
        bag.code = f"{origin.code}{dest.code}{timezone.now():%y%m%d}B{bag.pk:07d}"
        bag.save(update_fields=["code"])
        audit.record(actor, "logistics.bag_open", bag, after={"code": bag.code})
    return bag


def _close(actor: Actor, obj: Bag | MasterWaybill, to: str, contents, action: str) -> None:
    """Move a locked bag (open -> sealed) or waybill (open -> departed): once only, never empty."""
    name = f"{obj._meta.verbose_name} {obj}"
    if obj.status != "open":
        raise Conflict(f"{name} is {obj.status}; only an open one can become {to}")
    if not contents.exists():
        raise Conflict(f"{name} is empty; it cannot become {to}")
    obj.status = to
    obj.save(update_fields=["status"])
    audit.record(actor, action, obj, after={"status": to, "contents": contents.count()})


def seal_bag(actor: Actor, code: str) -> Bag:
    require_hub_staff(actor)
    with transaction.atomic():
        bag = Bag.objects.select_for_update().filter(code=code).first()
        if bag is None:
            raise NotFound("bag not found")
        if bag.status != Bag.SEALED:  # sealing twice changes nothing
            _close(actor, bag, Bag.SEALED, bag.parcels, "logistics.bag_seal")
    return bag


def create_waybill(actor: Actor, *, number: str, lane_id: int, voyage: str, departs_on: date) -> MasterWaybill:
    """Open a master waybill on a line-haul lane. Its number must fit the lane's mode (an IATA
    AWB with its mod-7 check digit for air, a bill of lading for sea). Same number and lane again
    returns the existing waybill."""
    require_hub_staff(actor)
    lane = Lane.objects.select_related("carrier").filter(pk=lane_id, active=True).first()
    if lane is None or lane.kind != Lane.LINE_HAUL:
        raise ValidationFailed.field("lane_id", "an active line-haul lane")
    number = check_waybill_number(lane.mode, number)
    if not voyage.strip():
        raise ValidationFailed.field("voyage", "the flight number or vessel/voyage")
    with transaction.atomic():
        existing = MasterWaybill.objects.filter(number=number).first()
        if existing is not None:
            if existing.lane_id != lane.pk:
                raise Conflict(f"master waybill {number} already exists on another lane")
            return existing
        wb = MasterWaybill.objects.create(number=number, lane=lane, carrier=lane.carrier, voyage=voyage.strip(),
                                          departs_on=departs_on)
        audit.record(actor, "logistics.waybill_open", wb, after={"number": number, "lane": lane.pk})
    return wb


def _latest_scan(kind: str, subject: str, target: str) -> Scan:
    return Scan.objects.filter(kind=kind, subject=subject, target=target).order_by("-pk").first()


def scan(actor: Actor, *, hub: str, kind: str, subject: str, target: str) -> tuple[Scan, bool]:
    """One scan at `hub`: a parcel (tracking number) into a bag, or a bag onto a master waybill.
    Returns the scan and whether it changed anything (False: the same scan was already done)."""
    require_hub_staff(actor)
    at = _hub(hub)
    if kind == Scan.PARCEL_TO_BAG:
        return _parcel_to_bag(actor, at, subject, target)
    if kind == Scan.BAG_TO_WAYBILL:
        return _bag_to_waybill(actor, at, subject, target)
    raise ValidationFailed.field("kind", f"one of {Scan.PARCEL_TO_BAG}, {Scan.BAG_TO_WAYBILL}")


def _parcel_to_bag(actor: Actor, hub: Hub, tracking_no: str, code: str) -> tuple[Scan, bool]:
    with transaction.atomic():
        bag = Bag.objects.select_for_update().select_related("destination_hub").filter(code=code).first()
        if bag is None:
            raise ValidationFailed.field("target", f"unknown bag {code!r}")
        parcel = (Parcel.objects.select_for_update(of=("self",)).select_related("shipment", "bag")
                  .filter(tracking_no=tracking_no).first())
        if parcel is None:
            raise ValidationFailed.field("subject", f"unknown parcel {tracking_no!r}")
        if parcel.bag_id == bag.pk:
            return _latest_scan(Scan.PARCEL_TO_BAG, tracking_no, code), False
        if parcel.bag_id is not None:
            raise Conflict(f"parcel {tracking_no} is already in bag {parcel.bag.code}")
        if bag.origin_hub_id != hub.pk:
            raise Conflict(f"bag {code} is made up at another hub")
        if parcel.shipment.origin_hub_id != hub.pk:
            raise Conflict(f"parcel {tracking_no} is not routed through {hub.code}")
        if bag.status != Bag.OPEN:
            raise Conflict(f"bag {code} is {bag.status}; parcels go only into an open bag")
        if parcel.shipment.destination_hub_id != bag.destination_hub_id:
            raise Conflict(f"parcel {tracking_no} goes to another destination hub than bag {code} "
                           f"({bag.destination_hub.code})")
        parcel.bag = bag
        parcel.save(update_fields=["bag"])
        s = Scan.objects.create(kind=Scan.PARCEL_TO_BAG, hub=hub, subject=tracking_no, target=code,
                                scanned_by=actor.audit_name)
        audit.record(actor, "logistics.scan", s, after={"kind": s.kind, "subject": tracking_no, "target": code})
        _hub_events(actor, hub, "BAG", f"scan{s.pk}", [tracking_no], f"Bagged for {bag.destination_hub.code} ({code})")
    return s, True


def _bag_to_waybill(actor: Actor, hub: Hub, code: str, number: str) -> tuple[Scan, bool]:
    with transaction.atomic():
        wb = MasterWaybill.objects.select_for_update().select_related("lane").filter(number=number).first()
        if wb is None:
            raise ValidationFailed.field("target", f"unknown master waybill {number!r}")
        bag = Bag.objects.select_for_update().filter(code=code).first()
        if bag is None:
            raise ValidationFailed.field("subject", f"unknown bag {code!r}")
        if bag.master_waybill_id == wb.pk:
            return _latest_scan(Scan.BAG_TO_WAYBILL, code, number), False
        if bag.master_waybill_id is not None:
            raise Conflict(f"bag {code} is already loaded on another master waybill")
        if bag.origin_hub_id != hub.pk:
            raise Conflict(f"bag {code} is made up at another hub")
        if bag.status != Bag.SEALED:
            raise Conflict(f"bag {code} is {bag.status}; only a sealed bag is loaded")
        if wb.status != MasterWaybill.OPEN:
            raise Conflict(f"master waybill {number} has {wb.status}; it takes no more bags")
        if (wb.lane.from_hub_id, wb.lane.to_hub_id) != (bag.origin_hub_id, bag.destination_hub_id):
            raise Conflict(f"master waybill {number} does not run from the bag's origin to its destination hub")
        bag.master_waybill, bag.status = wb, Bag.LOADED
        bag.save(update_fields=["master_waybill", "status"])
        s = Scan.objects.create(kind=Scan.BAG_TO_WAYBILL, hub=hub, subject=code, target=number,
                                scanned_by=actor.audit_name)
        audit.record(actor, "logistics.scan", s, after={"kind": s.kind, "subject": code, "target": number})
        _hub_events(actor, hub, "MAWB", f"scan{s.pk}", list(bag.parcels.values_list("tracking_no", flat=True)),
                    f"Loaded on master waybill {number} ({wb.voyage})")
    return s, True


def depart(actor: Actor, number: str) -> MasterWaybill:
    require_hub_staff(actor)
    with transaction.atomic():
        wb = MasterWaybill.objects.select_for_update(of=("self",)).select_related("lane__from_hub").filter(
            number=number).first()
        if wb is None:
            raise NotFound("master waybill not found")
        if wb.status != MasterWaybill.DEPARTED:  # departing twice changes nothing
            _close(actor, wb, MasterWaybill.DEPARTED, wb.bags, "logistics.waybill_depart")
            origin = wb.lane.from_hub
            _hub_events(actor, origin, "DEP", f"dep{wb.pk}",
                        list(Parcel.objects.filter(bag__master_waybill=wb).values_list("tracking_no", flat=True)),
                        f"Departed {origin.code} on {wb.voyage} (master waybill {wb.number})")
    return wb
