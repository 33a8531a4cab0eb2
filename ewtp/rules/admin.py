from django.contrib import admin

from ewtp.core.admin import ReadOnlyAdmin
from ewtp.rules.models import Country, Currency, HSCode, HSSection


@admin.register(Country)
class CountryAdmin(ReadOnlyAdmin):
    list_display = ("alpha2", "alpha3", "numeric", "name_en", "name_zh_hans", "name_ms", "currency")
    search_fields = ("alpha2", "name_en", "name_zh_hans", "name_ms")


@admin.register(Currency)
class CurrencyAdmin(ReadOnlyAdmin):
    list_display = ("code", "numeric", "minor_unit", "name")


@admin.register(HSSection)
class HSSectionAdmin(ReadOnlyAdmin):
    list_display = ("roman", "name")


@admin.register(HSCode)
class HSCodeAdmin(ReadOnlyAdmin):
    list_display = ("code", "level", "description")
    list_filter = ("level", "section")
    search_fields = ("code", "description")
