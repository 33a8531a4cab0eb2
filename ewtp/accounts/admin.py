from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ewtp.accounts.models import ApiToken, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class HubUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "jurisdiction", "country", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("eWTP", {"fields": ("role", "jurisdiction", "country", "preferred_language")}))
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the operator's token page (the secret is shown once there)."""

    list_display = ("prefix", "name", "organisation", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("organisation", "name", "prefix", "digest", "created_by", "created_at", "revoked_at",
                       "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
