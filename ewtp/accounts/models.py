"""People, organisations and partner API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from ewtp.core.actor import Role
from ewtp.core.permissions import AccessScope


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.CHOICES, default=Role.BUYER)
    # customs officers are bound to one jurisdiction (ISO country code, or "EU")
    jurisdiction = models.CharField(max_length=8, blank=True)
    country = models.CharField(max_length=2, blank=True)
    preferred_language = models.CharField(max_length=10, blank=True)

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.pk)


class Organisation(models.Model):
    SELLER, LOGISTICS, PAYMENT = "seller", "logistics", "payment"
    KINDS = [(SELLER, "Seller"), (LOGISTICS, "Logistics partner"), (PAYMENT, "Payment partner")]

    kind = models.CharField(max_length=16, choices=KINDS)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.pk)


class Membership(models.Model):
    OWNER, STAFF = "owner", "staff"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=[(OWNER, "Owner"), (STAFF, "Staff")], default=STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id} ({self.role})"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.organisation_id)


class ApiToken(models.Model):
    """A partner's API token. Only a SHA-256 digest is stored; the token is shown once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.organisation_id)
