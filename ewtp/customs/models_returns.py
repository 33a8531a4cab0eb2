"""Periodic consolidated tax returns: one per jurisdiction, scheme and period, with one line per
released declaration whose duty and tax the hub collected (see returns.py)."""

from __future__ import annotations

from django.db import models

from ewtp.core.permissions import AccessScope


class TaxReturn(models.Model):
    DRAFT, FILED, PAID = "draft", "filed", "paid"
    STATUSES = [(DRAFT, "Draft"), (FILED, "Filed"), (PAID, "Paid")]

    jurisdiction = models.CharField(max_length=8)
    scheme = models.CharField(max_length=16)  # EU-IOSS | MY-LVG | CN-CBEC (returns.SCHEMES)
    period = models.CharField(max_length=8)  # 2026-11 (month) or 2026-Q4 (quarter)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    currency = models.CharField(max_length=3)  # the currency the return is declared in
    fx = models.JSONField(default=dict)  # {from currency: {"rate", "date", "source"}} used to convert
    totals = models.JSONField(default=list)  # [{"kind", "rate", "base", "amount"}] in `currency`
    duty_total = models.DecimalField(max_digits=19, decimal_places=5, default=0)
    tax_total = models.DecimalField(max_digits=19, decimal_places=5, default=0)
    # what leaves the payable accounts when paid: {ledger currency: {"duty": minor, "tax": minor}}
    payable = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=STATUSES, default=DRAFT)
    settlement_tx = models.BigIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(auto_now=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "scheme", "period"], name="one_return")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.jurisdiction} {self.period} ({self.status})"

    def access_scope(self) -> AccessScope:
        return AccessScope(jurisdiction=self.jurisdiction)


class TaxReturnLine(models.Model):
    tax_return = models.ForeignKey(TaxReturn, on_delete=models.CASCADE, related_name="lines")
    # a declaration is in at most one return
    declaration = models.OneToOneField("customs.Declaration", on_delete=models.PROTECT, related_name="return_line")
    number = models.CharField(max_length=32)
    order_no = models.CharField(max_length=60)
    released_at = models.DateTimeField()
    currency = models.CharField(max_length=3)  # the declaration's
    customs_value = models.DecimalField(max_digits=19, decimal_places=5)
    duty = models.DecimalField(max_digits=19, decimal_places=5)
    tax = models.DecimalField(max_digits=19, decimal_places=5)
    duty_converted = models.DecimalField(max_digits=19, decimal_places=5)  # in the return's currency
    tax_converted = models.DecimalField(max_digits=19, decimal_places=5)
    by_rate = models.JSONField(default=list)  # [{"kind", "rate", "base", "amount"}] in the return's currency

    class Meta:
        ordering = ["released_at", "id"]

    def __str__(self) -> str:
        return f"{self.number} in return {self.tax_return_id}"
