"""Consolidation at the origin hub: parcels for one destination go into a bag, bags onto a master
waybill (one flight or vessel on a line-haul lane). Every move is a scan."""

from __future__ import annotations

from django.db import models

from ewtp.logistics.models.network import Carrier, Hub, Lane


class MasterWaybill(models.Model):
    OPEN, DEPARTED, ARRIVED = "open", "departed", "arrived"

    number = models.CharField(max_length=20, unique=True)  # e.g. an IATA AWB "784-12345675"
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="+")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    voyage = models.CharField(max_length=40)  # flight number or vessel/voyage
    departs_on = models.DateField()
    status = models.CharField(max_length=10, default=OPEN,
                              choices=[(OPEN, "Open"), (DEPARTED, "Departed"), (ARRIVED, "Arrived")])
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class Bag(models.Model):
    OPEN, SEALED, LOADED = "open", "sealed", "loaded"

    code = models.CharField(max_length=32, unique=True)
    origin_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    destination_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, default=OPEN,
                              choices=[(OPEN, "Open"), (SEALED, "Sealed"), (LOADED, "Loaded")])
    master_waybill = models.ForeignKey(MasterWaybill, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="bags")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Scan(models.Model):
    """One scan at a hub: a parcel into a bag, a bag onto a master waybill (an API call each)."""

    PARCEL_TO_BAG, BAG_TO_WAYBILL = "parcel_to_bag", "bag_to_waybill"

    kind = models.CharField(max_length=16, choices=[(PARCEL_TO_BAG, "Parcel into bag"),
                                                    (BAG_TO_WAYBILL, "Bag onto master waybill")])
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=40)  # parcel tracking number or bag code
    target = models.CharField(max_length=40)  # bag code or master waybill number
    scanned_by = models.CharField(max_length=64)
    scanned_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} -> {self.target}"
