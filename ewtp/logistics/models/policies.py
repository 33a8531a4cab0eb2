"""Per-seller after-sales settings kept on the logistics side (this domain never imports the
marketplace, and the return window is checked here)."""

from __future__ import annotations

from django.db import models

from ewtp.accounts.models import Organisation
from ewtp.core.permissions import AccessScope

DEFAULT_RETURN_WINDOW_DAYS = 14  # issue 7: "default 14 days after delivery"


class ReturnPolicy(models.Model):
    seller = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="return_policy")
    window_days = models.PositiveSmallIntegerField(default=DEFAULT_RETURN_WINDOW_DAYS)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"returns within {self.window_days} days ({self.seller_id})"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_id)
