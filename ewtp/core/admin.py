from django.contrib import admin

from ewtp.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through services (ledger, documents, reference data, the
    audit log): the back office shows them and never edits them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log is append-only: visible, never editable here."""

    list_display = ("seq", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor", "object_id", "action")
