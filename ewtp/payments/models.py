"""Ledger, escrow, payments, refunds, payouts and provider webhooks.

Amounts are stored as **signed integers of the currency's ISO 4217 minor unit** (cents for
EUR, yen for JPY, fils for KWD): exact in SQLite and PostgreSQL alike, summed without
rounding, and fast. Services take and return `Money`; the conversion happens at the edge
(`Money.to_minor()` refuses an amount that is not rounded, so a fraction of a cent can never
enter the ledger by accident; FX and fee rounding are explicit rules).

Sign convention of a posting: **positive = money into the account, negative = money out**.
Every ledger transaction sums to zero per currency. An account's balance is the sum of its
postings: the money it holds. Boundary accounts (a provider's clearing account, FX liquidity)
may go negative — a negative clearing balance is what the provider holds for the hub; every
other account is guarded (`allow_negative=False`).
"""

from __future__ import annotations

from django.db import models

from ewtp.core.models import AppendOnly
from ewtp.core.money import Money
from ewtp.core.permissions import AccessScope


class Owner:
    BUYER, SELLER, HUB, AUTHORITY, PROVIDER, FX = "buyer", "seller", "hub", "authority", "provider", "fx"
    CARRIER = "carrier"
    CHOICES = [
        (BUYER, "Buyer"),
        (SELLER, "Seller organisation"),
        (HUB, "Hub"),
        (AUTHORITY, "Tax authority"),
        (PROVIDER, "Payment provider"),
        (FX, "FX liquidity"),
        (CARRIER, "Carrier"),
    ]


class Kind:
    PROVIDER_CLEARING = "provider_clearing"
    ESCROW = "escrow"
    SELLER_AVAILABLE = "seller_available"
    SELLER_PAYABLE_OUT = "seller_payable_out"
    HUB_FEES = "hub_fees"
    FX_MARGIN = "fx_margin"
    TAX_PAYABLE = "tax_payable"
    DUTY_PAYABLE = "duty_payable"
    FX_LIQUIDITY = "fx_liquidity"
    REFUNDS = "refunds"
    # loss and damage claims (ewtp/payments/adjustments.py): what a carrier owes the hub for claims
    # paid under its liability, and what the hub paid out of its own funds
    CARRIER_RECEIVABLE = "carrier_receivable"
    HUB_CLAIMS = "hub_claims"
    ALL = [
        PROVIDER_CLEARING,
        ESCROW,
        SELLER_AVAILABLE,
        SELLER_PAYABLE_OUT,
        HUB_FEES,
        FX_MARGIN,
        TAX_PAYABLE,
        DUTY_PAYABLE,
        FX_LIQUIDITY,
        REFUNDS,
        CARRIER_RECEIVABLE,
        HUB_CLAIMS,
    ]
    # boundary accounts: money enters or leaves the hub's books through them (a negative carrier
    # receivable is what the carrier owes; a negative hub_claims balance is what the hub paid itself)
    MAY_GO_NEGATIVE = {PROVIDER_CLEARING, FX_LIQUIDITY, CARRIER_RECEIVABLE, HUB_CLAIMS}


class Account(models.Model):
    owner_type = models.CharField(max_length=16, choices=Owner.CHOICES)
    owner_id = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=24, choices=[(k, k) for k in Kind.ALL])
    allow_negative = models.BooleanField(default=False)
    balance_minor = models.BigIntegerField(default=0)  # cache of the sum of this row's postings
    version = models.BigIntegerField(default=0)  # bumped by every posting transaction
    created_at = models.DateTimeField(auto_now_add=True)
    # A hot account (hub fees, a provider's clearing, tax payable ...) is one logical account kept
    # in `shards` rows, shard 0 being its home row, so that concurrent writers on PostgreSQL do
    # not queue on one row lock (ewtp/payments/shards.py). Every row is an ordinary account: its
    # own postings, cached balance and guard; the logical balance is the sum over its shards.
    shard = models.PositiveSmallIntegerField(default=0)
    shards = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "kind", "currency", "shard"], name="payments_account_unique"
            ),
            # the database itself refuses a guarded balance below zero, whoever writes
            models.CheckConstraint(
                condition=models.Q(allow_negative=True) | models.Q(balance_minor__gte=0),
                name="payments_account_guarded",
            ),
        ]
        indexes = [models.Index(fields=["kind", "currency"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner_type}:{self.owner_id}:{self.currency}"

    @staticmethod
    def rows_of(owner_type: str, owner_id: str, kind: str, currency: str) -> models.QuerySet[Account]:
        """The rows of one logical account (one, or a hot account's shards), home row first."""
        return Account.objects.filter(owner_type=owner_type, owner_id=owner_id, kind=kind,
                                      currency=currency).order_by("shard")

    def rows(self) -> models.QuerySet[Account]:
        return Account.rows_of(self.owner_type, self.owner_id, self.kind, self.currency)

    @property
    def total_minor(self) -> int:
        """The logical account's balance: this row's, or the sum over its shards (one query)."""
        if self.shards <= 1:
            return self.balance_minor
        return int(self.rows().aggregate(t=models.Sum("balance_minor"))["t"] or 0)

    @property
    def balance(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    def access_scope(self) -> AccessScope:
        if self.owner_type == Owner.SELLER and self.owner_id.isdigit():
            return AccessScope(org_id=int(self.owner_id))
        if self.owner_type == Owner.BUYER and self.owner_id.isdigit():
            return AccessScope(user_id=int(self.owner_id))
        return AccessScope()  # hub, authority, provider, FX: operators only


class RowId(models.BigAutoField):
    """An auto id without SQLite's AUTOINCREMENT. AUTOINCREMENT only promises that the id of a
    deleted row is never reused, and it pays for that with a write to `sqlite_sequence` on
    every insert (one more page per commit). Ledger rows are never deleted, so plain rowid
    allocation (max + 1) gives the same ids for free. PostgreSQL: an identity column as usual."""

    def db_type_suffix(self, connection):
        return None if connection.vendor == "sqlite" else super().db_type_suffix(connection)


class LedgerTransaction(AppendOnly):
    # Indexes are kept to what queries need: every index is pages written per transaction
    # (the write path's main cost). Ids are chronological, so time ranges go by id; corrections
    # are rare and looked up from the correcting side.
    id = RowId(primary_key=True)
    kind = models.CharField(max_length=32)
    reference = models.CharField(max_length=120, db_index=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"tx {self.pk} {self.kind} {self.reference}"


class Posting(AppendOnly):
    id = RowId(primary_key=True)
    tx = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="postings")
    # (account, tx) below serves lookups by account; a separate account index would be redundant
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False)
    amount_minor = models.BigIntegerField()  # signed: + into the account, - out of it
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["account", "tx"])]

    def __str__(self) -> str:
        return f"{self.amount_minor:+d} {self.currency} -> account {self.account_id}"

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)


class FxConversion(AppendOnly):
    """The rate and date of one conversion, linked to the transaction that booked it."""

    tx = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="conversions")
    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)  # reference (mid) rate: 1 from = rate to
    rate_date = models.DateField()
    rate_source = models.CharField(max_length=40)
    margin = models.DecimalField(max_digits=8, decimal_places=6)  # fraction, e.g. 0.005
    from_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()
    margin_minor = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.from_currency}->{self.to_currency} @ {self.rate} ({self.rate_date})"


class Escrow(models.Model):
    """A buyer's money held for one seller order: a pending amount resolved (released and/or
    refunded) at most once in total, never more than was held."""

    PENDING, PARTIAL, POSTED, VOIDED, SPLIT = "pending", "partial", "posted", "voided", "split"
    STATES = [
        (PENDING, "Pending"),
        (PARTIAL, "Partly resolved, the rest still held"),
        (POSTED, "Released"),
        (VOIDED, "Refunded"),
        (SPLIT, "Split (refunded and released)"),
    ]
    OPEN = (PENDING, PARTIAL)

    order_ref = models.CharField(max_length=120, unique=True)
    seller_org_id = models.BigIntegerField(db_index=True)
    buyer_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    currency = models.CharField(max_length=3)  # the buyer's (paid) currency
    seller_currency = models.CharField(max_length=3)
    jurisdiction = models.CharField(max_length=8, blank=True)  # where duty and tax are due
    provider = models.CharField(max_length=32)
    held_minor = models.BigIntegerField()
    duty_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    fee_minor = models.BigIntegerField(default=0)  # the hub's fee, frozen at order time
    released_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)
    state = models.CharField(max_length=20, choices=STATES, default=PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(max_length=200, blank=True)  # an open dispute or return blocks release
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "delivered_at"])]

    def __str__(self) -> str:
        return f"escrow {self.order_ref} ({self.state})"

    @property
    def remaining_minor(self) -> int:
        return self.held_minor - self.released_minor - self.refunded_minor

    def money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_org_id, user_id=self.buyer_user_id)


class Payment(models.Model):
    CREATED, AUTHORISED, CAPTURED, DECLINED, VOIDED = (
        "created",
        "authorised",
        "captured",
        "declined",
        "voided",
    )
    STATES = [
        (CREATED, "Created"),
        (AUTHORISED, "Authorised"),
        (CAPTURED, "Captured"),
        (DECLINED, "Declined"),
        (VOIDED, "Voided"),
    ]

    order_ref = models.CharField(max_length=120, unique=True)
    provider = models.CharField(max_length=32)
    provider_ref = models.CharField(max_length=80, blank=True, db_index=True)
    buyer_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    seller_org_id = models.BigIntegerField(db_index=True)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    # the frozen breakdown that the escrow takes over at capture
    seller_currency = models.CharField(max_length=3)
    jurisdiction = models.CharField(max_length=8, blank=True)
    duty_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    fee_minor = models.BigIntegerField(default=0)
    state = models.CharField(max_length=12, choices=STATES, default=CREATED)
    decline_reason = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"payment {self.order_ref} ({self.state})"

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_org_id, user_id=self.buyer_user_id)


class Refund(models.Model):
    REQUESTED, SUCCEEDED, FAILED = "requested", "succeeded", "failed"
    STATES = [(REQUESTED, "Requested"), (SUCCEEDED, "Succeeded"), (FAILED, "Failed")]

    escrow = models.ForeignKey(Escrow, on_delete=models.PROTECT, related_name="refunds")
    tx = models.ForeignKey(LedgerTransaction, null=True, on_delete=models.PROTECT, related_name="+")
    provider_ref = models.CharField(max_length=80, blank=True, db_index=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=STATES, default=REQUESTED)
    created_at = models.DateTimeField(auto_now_add=True)
    # a failed refund is retried at most once (the retry may itself fail and be retried): the
    # chain ends at the attempt that is still open or succeeded
    retry_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="retry")
    PROVIDER, BANK_TRANSFER = "provider", "bank_transfer"
    METHODS = [(PROVIDER, "Through the payment provider"), (BANK_TRANSFER, "Bank transfer by the hub")]
    method = models.CharField(max_length=16, choices=METHODS, default=PROVIDER)
    bank_reference = models.CharField(max_length=80, blank=True)  # the hub's transfer, for bank_transfer

    def __str__(self) -> str:
        return f"refund {self.pk} of {self.escrow_id} ({self.state})"

    @staticmethod
    def awaiting_retry() -> models.QuerySet[Refund]:
        """Failed refunds nobody has retried yet: the buyer is still owed them."""
        return Refund.objects.filter(state=Refund.FAILED, retry__isnull=True)

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    def access_scope(self) -> AccessScope:
        return self.escrow.access_scope()


class Payout(models.Model):
    PENDING, PAID, FAILED = "pending", "paid", "failed"
    STATES = [(PENDING, "Pending"), (PAID, "Paid"), (FAILED, "Failed")]

    seller_org_id = models.BigIntegerField(db_index=True)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    provider = models.CharField(max_length=32)
    provider_ref = models.CharField(max_length=80, blank=True, db_index=True)
    batch = models.CharField(max_length=40, db_index=True)
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"payout {self.pk} to {self.seller_org_id} ({self.state})"

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_org_id)


class WebhookEvent(models.Model):
    """Every accepted provider event, once: the unique (provider, event_id) makes handling idempotent."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=80)
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payments_webhook_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type}"


from ewtp.payments.models_sandbox import SandboxOutbox, SandboxRecord  # noqa: E402,F401 - one app, two modules
