"""Back office: read-only views of the books. Money moves only through the services (and the
ledger refuses edits), so the admin can look but never change."""

from __future__ import annotations

from django.contrib import admin

from ewtp.core.admin import ReadOnlyAdmin
from ewtp.payments.models import Account, Escrow, LedgerTransaction, Payment, Payout, Refund, WebhookEvent


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner_type", "owner_id", "currency", "shard", "balance_minor", "allow_negative")
    list_filter = ("kind", "currency", "owner_type")
    search_fields = ("owner_id",)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference", "corrects", "created_at")
    list_filter = ("kind",)
    search_fields = ("=reference",)


@admin.register(Escrow)
class EscrowAdmin(ReadOnlyAdmin):
    list_display = (
        "order_ref",
        "state",
        "currency",
        "held_minor",
        "released_minor",
        "refunded_minor",
        "hold_reason",
    )
    list_filter = ("state", "currency")
    search_fields = ("=order_ref",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("order_ref", "state", "provider", "currency", "amount_minor", "created_at")
    list_filter = ("state", "provider")
    search_fields = ("=order_ref", "=provider_ref")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "escrow", "state", "currency", "amount_minor", "created_at")
    list_filter = ("state",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "seller_org_id", "state", "currency", "amount_minor", "batch", "created_at")
    list_filter = ("state", "currency")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("provider", "event_id", "type", "received_at", "outcome")
    list_filter = ("provider", "type")
