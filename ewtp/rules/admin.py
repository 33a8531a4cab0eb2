from django.contrib import admin

from ewtp.rules.models import Country, Currency, HSCode, HSSection


class ReadOnly(admin.ModelAdmin):
    """Reference data is loaded from the repo's files (`ewtp refdata load`), not edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Country)
class CountryAdmin(ReadOnly):
    list_display = ("alpha2", "alpha3", "numeric", "name_en", "name_zh_hans", "name_ms", "currency")
    search_fields = ("alpha2", "name_en", "name_zh_hans", "name_ms")


@admin.register(Currency)
class CurrencyAdmin(ReadOnly):
    list_display = ("code", "numeric", "minor_unit", "name")


@admin.register(HSSection)
class HSSectionAdmin(ReadOnly):
    list_display = ("roman", "name")


@admin.register(HSCode)
class HSCodeAdmin(ReadOnly):
    list_display = ("code", "level", "description")
    list_filter = ("level", "section")
    search_fields = ("code", "description")
