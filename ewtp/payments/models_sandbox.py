"""The SANDBOX provider's own books (what a real provider keeps on its side), in the payments app:
not the hub's ledger."""

from __future__ import annotations

from django.db import models


class SandboxRecord(models.Model):
    """The SANDBOX provider's own books (what a real provider keeps on its side): its
    payments, refunds and payouts, used by reconciliation. Not part of the hub's ledger."""

    ref = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=12)  # payment | refund | payout
    reference = models.CharField(max_length=120)  # the hub's reference (order ref, refund id, payout id)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    status = models.CharField(max_length=16)
    flags = models.CharField(max_length=40, blank=True)  # test-card behaviour, e.g. "refund_fails"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # a refund finds its payment by the hub's reference
        indexes = [models.Index(fields=["reference", "kind"], name="sandbox_record_reference")]

    def __str__(self) -> str:
        return f"sandbox {self.kind} {self.ref} ({self.status})"


class SandboxOutbox(models.Model):
    """Webhooks the SANDBOX provider still has to deliver (answers are asynchronous)."""

    event_id = models.CharField(max_length=80)
    body = models.TextField()
    deliver_after = models.DateTimeField(db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)

    class Meta:
        # what is still due: the delivered ones (nearly all, in time) are not in it
        indexes = [models.Index(fields=["deliver_after"], condition=models.Q(delivered_at__isnull=True),
                                name="sandbox_outbox_due")]

    def __str__(self) -> str:
        return f"outbox {self.event_id}"
