"""A seller organisation's trade profile: verification, registrations, documents, payout account."""

from __future__ import annotations

from django.db import models

from ewtp.accounts.models import Organisation
from ewtp.core.permissions import AccessScope


class SellerProfile(models.Model):
    PENDING, VERIFIED, REJECTED = "pending", "verified", "rejected"
    STATUSES = [(PENDING, "Pending"), (VERIFIED, "Verified"), (REJECTED, "Rejected")]
    # allowed verification transitions (a rejected seller may resubmit)
    TRANSITIONS = {PENDING: {VERIFIED, REJECTED}, REJECTED: {PENDING}, VERIFIED: set()}

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="seller_profile")
    legal_name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    base_currency = models.CharField(max_length=3)
    address = models.TextField(max_length=500)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    rejection_reason = models.CharField(max_length=500, blank=True)
    # the payout account is never stored in full: the provider's reference and a masked hint
    payout_reference = models.CharField(max_length=100, blank=True)
    payout_hint = models.CharField(max_length=40, blank=True)
    return_window_days = models.PositiveSmallIntegerField(default=14)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.legal_name

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.organisation_id)


class TaxRegistration(models.Model):
    seller = models.ForeignKey(SellerProfile, on_delete=models.CASCADE, related_name="registrations")
    scheme = models.CharField(max_length=10)
    number = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "scheme"], name="one_registration_per_scheme")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.number}"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller.organisation_id)


class SellerDocument(models.Model):
    seller = models.ForeignKey(SellerProfile, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=40)  # e.g. business registration, tax certificate
    file = models.FileField(upload_to="seller-docs/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} ({self.sha256[:8]})"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller.organisation_id)
