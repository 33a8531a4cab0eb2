"""Kernel tables: the hash-chained audit log and stored idempotent responses."""

from __future__ import annotations

from django.db import models


class AppendOnly(models.Model):
    """Rows are written once: updates and deletes through the ORM are refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[override]
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise PermissionError(f"{type(self).__name__} rows are append-only")


class AuditEntry(AppendOnly):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=80)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor}"


class AuditHead(models.Model):
    """One row: the chain's last sequence number and hash. Locked while appending so that
    concurrent writers extend the chain one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class IdempotencyRecord(models.Model):
    IN_PROGRESS, DONE = "in_progress", "done"

    key = models.CharField(max_length=255)
    caller = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, default=IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_caller_key")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
