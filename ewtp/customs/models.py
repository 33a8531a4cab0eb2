"""Customs single window: trade documents, parcels (reconciliation), declarations, risk rules."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ewtp.core.permissions import AccessScope


class TradeDocument(models.Model):
    """One pushed document (order, payment, waybill, inventory list). A change (appType 2) adds a
    new version and retires the previous one; history is kept."""

    ORDER, PAYMENT, WAYBILL, INVENTORY = "order", "payment", "waybill", "inventory"
    KINDS = [(ORDER, "Order (CEB311)"), (PAYMENT, "Payment (CEB411)"), (WAYBILL, "Waybill (CEB511)"),
             (INVENTORY, "Inventory list (CEB621)")]
    JSON, XML = "json", "xml"

    kind = models.CharField(max_length=16, choices=KINDS)
    order_no = models.CharField(max_length=60)
    jurisdiction = models.CharField(max_length=8, default="CN")
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    app_type = models.CharField(max_length=1, default="1")
    guid = models.CharField(max_length=36)
    fields = models.JSONField()  # the typed document, as its dataclass fields (amounts as strings)
    body_format = models.CharField(max_length=4, choices=[(JSON, "JSON"), (XML, "XML")])
    xml = models.TextField(blank=True)  # the official message as received (XML pushes)
    digest = models.CharField(max_length=64)  # of the document's content, for idempotent re-pushes
    pushed_by = models.CharField(max_length=64)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "order_no", "version"], name="tradedoc_version")]
        indexes = [models.Index(fields=["order_no", "kind", "current"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_no} v{self.version}"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.organisation_id, jurisdiction=self.jurisdiction)


class Parcel(models.Model):
    """The reconciliation state of one orderNo, re-evaluated whenever one of its documents arrives."""

    AWAITING, DISCREPANCIES, MATCHED = "awaiting_documents", "discrepancies", "matched"
    STATUSES = [(AWAITING, "Awaiting documents"), (DISCREPANCIES, "Discrepancies"), (MATCHED, "Matched")]

    order_no = models.CharField(max_length=60, unique=True)
    jurisdiction = models.CharField(max_length=8, default="CN")
    status = models.CharField(max_length=24, choices=STATUSES, default=AWAITING)
    discrepancies = models.JSONField(default=list)
    seller = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    buyer_id_number = models.CharField(max_length=60, blank=True)
    # the hub's own orders: the landed-cost quote frozen at checkout (engine answer), pushed with the order
    landed_cost = models.JSONField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"parcel {self.order_no} ({self.status})"

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_id, jurisdiction=self.jurisdiction)


class Declaration(models.Model):
    """A customs declaration built from a matched parcel. `status` uses the China receipt codes
    (CEB622 returnStatus); the transitions live in `declarations.TRANSITIONS`."""

    GREEN, YELLOW, RED = "green", "yellow", "red"
    LANES = [(GREEN, _("Green")), (YELLOW, _("Yellow")), (RED, _("Red"))]

    parcel = models.OneToOneField(Parcel, on_delete=models.PROTECT, related_name="declaration")
    number = models.CharField(max_length=32, unique=True)
    jurisdiction = models.CharField(max_length=8, default="CN")
    regime = models.CharField(max_length=16, default="9610")
    status = models.CharField(max_length=4, default="2")
    lane = models.CharField(max_length=8, choices=LANES, blank=True)
    lane_reasons = models.JSONField(default=list)
    declarant = models.CharField(max_length=100)
    withholding_agent = models.CharField(max_length=100)
    buyer_id_number = models.CharField(max_length=60)
    currency = models.CharField(max_length=3, default="CNY")
    goods_value = models.DecimalField(max_digits=19, decimal_places=5)
    freight = models.DecimalField(max_digits=19, decimal_places=5)
    insured_fee = models.DecimalField(max_digits=19, decimal_places=5, default=0)
    customs_value = models.DecimalField(max_digits=19, decimal_places=5)
    duty = models.DecimalField(max_digits=19, decimal_places=5, default=0)
    tax_total = models.DecimalField(max_digits=19, decimal_places=5, default=0)
    tax_source = models.CharField(max_length=64, default="documents:taxTotal")
    lines = models.JSONField(default=list)  # [{gnum, hs_code, name, qty, unit, unit_price, value, country}]
    reason = models.TextField(blank=True)  # rejection reason / documents requested
    # the quote's charges with their rule ids and versions (hub orders); None when from the documents
    charges = models.JSONField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # the ledger transaction that put this declaration's duty and tax on the payable accounts
    # (None: nothing the hub collected — an external marketplace withholds it itself)
    remittance_tx = models.BigIntegerField(null=True, blank=True)
    # set by declare() from the same clock reading as a green lane's release (auto_now_add would
    # read the clock again at the insert, a few microseconds after that release)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["jurisdiction", "status"]), models.Index(fields=["buyer_id_number"]),
                   models.Index(fields=["jurisdiction", "regime", "released_at"])]

    def __str__(self) -> str:
        return f"declaration {self.number} ({self.status})"

    def access_scope(self) -> AccessScope:
        return AccessScope(jurisdiction=self.jurisdiction)


class DeclarationEvent(models.Model):
    """The declaration's own trail of status changes (the audit chain records them too)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=4, blank=True)
    to_status = models.CharField(max_length=4)
    actor = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status}"


class RiskRule(models.Model):
    """An operator-editable risk rule; `params` depend on `kind` (see risk.RULE_KINDS)."""

    kind = models.CharField(max_length=32)
    jurisdiction = models.CharField(max_length=8, default="CN")
    lane = models.CharField(max_length=8, choices=Declaration.LANES)
    params = models.JSONField(default=dict)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} -> {self.lane}"

    def access_scope(self) -> AccessScope:
        return AccessScope(jurisdiction=self.jurisdiction)


from ewtp.customs.models_returns import TaxReturn, TaxReturnLine  # noqa: E402,F401 - one app, two modules
