"""Back office views of the marketplace. Sellers are verified on the operator's page (through the
service, audited); orders change only through their state machine."""

from django.contrib import admin

from ewtp.core.admin import ReadOnlyAdmin
from ewtp.market.models import Order, OrderGroup, Product, SellerProfile


@admin.register(SellerProfile)
class SellerProfileAdmin(ReadOnlyAdmin):
    list_display = ("legal_name", "country", "base_currency", "status", "payout_hint")
    list_filter = ("status", "country")
    search_fields = ("legal_name",)


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("pk", "title_en", "hs_code", "origin", "seller", "status")
    list_filter = ("status", "hs_chapter", "origin")
    search_fields = ("title_en", "title_zh_hans", "title_ms", "hs_code")


@admin.register(OrderGroup)
class OrderGroupAdmin(ReadOnlyAdmin):
    list_display = ("pk", "buyer", "currency", "total", "created_at")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "seller", "state", "currency", "total", "duty", "tax", "created_at")
    list_filter = ("state", "currency")
    search_fields = ("reference",)
