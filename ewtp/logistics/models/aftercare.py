"""After delivery (or instead of it): returns asked by the buyer, claims for lost or damaged parcels."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ewtp.accounts.models import Organisation
from ewtp.core.permissions import AccessScope
from ewtp.logistics.models.shipments import Shipment


class ReturnRequest(models.Model):
    REQUESTED, APPROVED, REJECTED, IN_TRANSIT, RECEIVED, REFUNDED = (
        "requested", "approved", "rejected", "in_transit", "received", "refunded")
    STATES = [(s, s.replace("_", " ")) for s in (REQUESTED, APPROVED, REJECTED, IN_TRANSIT, RECEIVED, REFUNDED)]

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="returns")
    order_ref = models.CharField(max_length=40, db_index=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    state = models.CharField(max_length=12, choices=STATES, default=REQUESTED)
    decided_by = models.CharField(max_length=64, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    return_shipment = models.OneToOneField(Shipment, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="return_of")
    condition = models.CharField(max_length=200, blank=True)  # as the seller found it on receipt
    refund_minor = models.BigIntegerField(null=True, blank=True)
    refund_currency = models.CharField(max_length=3, blank=True)
    duty_tax_refund = models.CharField(max_length=40, blank=True)  # status recorded on the declaration
    requested_at = models.DateTimeField(auto_now_add=True)
    # where the refund came from: "escrow" (still held) or "seller_balance" (already released)
    refund_source = models.CharField(max_length=16, blank=True)
    refund_ref = models.CharField(max_length=64, blank=True)  # the payments refund / transaction
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"return {self.pk} of {self.order_ref}"

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.buyer_id, org_id=self.seller_id)


class Claim(models.Model):
    LOST, DAMAGED = "lost", "damaged"
    OPEN, APPROVED, REJECTED, PAID = "open", "approved", "rejected", "paid"
    CARRIER, HUB = "carrier", "hub"

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=8, choices=[(LOST, "Lost"), (DAMAGED, "Damaged")])
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evidence = models.JSONField(default=list)  # descriptions / photo references
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, default=OPEN, choices=[
        (OPEN, "Open"), (APPROVED, "Approved"), (REJECTED, "Rejected"), (PAID, "Paid")])
    liable = models.CharField(max_length=8, blank=True, choices=[(CARRIER, "Carrier"), (HUB, "Hub")])
    decided_by = models.CharField(max_length=64, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    ledger_ref = models.CharField(max_length=64, blank=True)  # the payments transaction that paid it
    # which carrier's liability pays (when liable == carrier); its cap is liability_per_kg x weight
    liable_carrier = models.ForeignKey("logistics.Carrier", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"claim {self.pk} ({self.kind})"

    def access_scope(self) -> AccessScope:
        shipment = self.shipment
        return AccessScope(user_id=self.claimant_id, org_id=shipment.seller_id)
