"""A shipment per seller order: its parcels (with the contents customs needs), its route as legs,
and one tracking history of normalised events from every carrier on the route.

The order lives in the marketplace; logistics keeps only its reference (`order_ref`), the seller
organisation and the buyer, so this domain never imports the marketplace."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ewtp.accounts.models import Organisation
from ewtp.core.permissions import AccessScope
from ewtp.logistics.models.network import Carrier, Hub, Lane

# The normalised status set (issue 7); every carrier's raw code maps to one of these.
STATUSES = ["info_received", "picked_up", "in_transit", "at_hub", "customs_hold", "customs_cleared",
            "out_for_delivery", "delivered", "delivery_failed", "exception", "returned_to_sender"]
STATUS_CHOICES = [(s, s.replace("_", " ")) for s in STATUSES]


class Shipment(models.Model):
    FORWARD, RETURN = "forward", "return"

    tracking_no = models.CharField(max_length=32, unique=True)  # the hub's own, printed on the label
    direction = models.CharField(max_length=8, choices=[(FORWARD, "Forward"), (RETURN, "Return")], default=FORWARD)
    order_ref = models.CharField(max_length=40, db_index=True)
    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="shipments")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shipments")
    origin_country = models.CharField(max_length=2)
    destination_country = models.CharField(max_length=2)
    origin_hub = models.ForeignKey(Hub, null=True, on_delete=models.PROTECT, related_name="+")
    destination_hub = models.ForeignKey(Hub, null=True, on_delete=models.PROTECT, related_name="+")
    ship_from = models.JSONField()  # address
    ship_to = models.JSONField()  # address (name, phone, lines, city, postcode, country)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="info_received")
    status_reason = models.CharField(max_length=200, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)  # time of the latest event (by event time)
    # shipping as quoted at checkout: {"price": "12.30", "currency": "MYR", "transit_days": "6.5", "route": [...]}
    quote = models.JSONField(default=dict)
    estimated_delivery = models.DateField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_proof = models.JSONField(default=dict, blank=True)  # {"signature": "..."} or {"photo": "ref"}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # delivered_at: the dashboard's default period ends at the latest delivery (MAX) and its
        # delivery figures select by range
        indexes = [models.Index(fields=["status", "destination_country"]),
                   models.Index(fields=["delivered_at"], name="logistics_shipment_delivered")]
        constraints = [models.UniqueConstraint(fields=["order_ref"], condition=models.Q(direction="forward"),
                                               name="one_forward_shipment_per_order")]

    def __str__(self) -> str:
        return self.tracking_no

    def access_scope(self) -> AccessScope:
        carriers = frozenset(c for c in self.legs.values_list("carrier__organisation_id", flat=True) if c)
        return AccessScope(user_id=self.buyer_id, org_id=self.seller_id, other_org_ids=carriers)


class Parcel(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    seq = models.PositiveSmallIntegerField()
    tracking_no = models.CharField(max_length=32, unique=True)
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3)
    length_cm = models.DecimalField(max_digits=6, decimal_places=1)
    width_cm = models.DecimalField(max_digits=6, decimal_places=1)
    height_cm = models.DecimalField(max_digits=6, decimal_places=1)
    bag = models.ForeignKey("logistics.Bag", null=True, blank=True, on_delete=models.PROTECT, related_name="parcels")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "seq"], name="parcel_seq")]

    def __str__(self) -> str:
        return self.tracking_no


class ParcelItem(models.Model):
    """One article line of a parcel, with the per-article fields of a CN23 and the manifest."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField()
    sku = models.CharField(max_length=64)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    net_weight_kg = models.DecimalField(max_digits=8, decimal_places=3)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    hs_code = models.CharField(max_length=10)
    origin_country = models.CharField(max_length=2)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class Leg(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="legs")
    seq = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Lane.KINDS)
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="+")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="legs")
    tracking_no = models.CharField(max_length=40)  # the carrier's own number for this leg
    planned_days = models.DecimalField(max_digits=5, decimal_places=1)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "seq"], name="leg_seq"),
                       models.UniqueConstraint(fields=["carrier", "tracking_no"], name="leg_carrier_tracking")]

    def __str__(self) -> str:
        return f"{self.shipment_id}/{self.seq} {self.kind}"


class TrackingEvent(models.Model):
    """One carrier event as received (raw code kept) and normalised. Idempotent by the carrier's
    event id; the history is ordered by `occurred_at`, not by arrival."""

    # no single-column indexes for shipment and carrier: (shipment, occurred_at) and the unique
    # (carrier, event_id) lead with them, and every tracking event paid for two more b-trees
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events", db_index=False)
    leg = models.ForeignKey(Leg, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+", db_index=False)
    event_id = models.CharField(max_length=64)
    raw_code = models.CharField(max_length=32)
    raw_text = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)  # blank: unknown code
    reason = models.CharField(max_length=200, blank=True)
    unknown_code = models.BooleanField(default=False)  # kept and flagged, never dropped
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    location = models.CharField(max_length=120, blank=True)  # hub code or place name
    country = models.CharField(max_length=2, blank=True)
    details = models.JSONField(default=dict, blank=True)  # e.g. delivery proof

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carrier", "event_id"], name="event_once")]
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.raw_code}"
