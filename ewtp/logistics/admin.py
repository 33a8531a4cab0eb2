"""Back office for logistics: everything is shown read-only. The network changes through
data/network.toml and its idempotent, audited loader; shipments, events, bags, returns and claims
change only through their services and the partners' API."""

from django.contrib import admin

from ewtp.core.admin import ReadOnlyAdmin
from ewtp.logistics.models import (
    Bag,
    Carrier,
    Claim,
    Hub,
    Lane,
    Leg,
    MasterWaybill,
    Parcel,
    ParcelItem,
    RateBreak,
    RateTable,
    ReturnPolicy,
    ReturnRequest,
    Scan,
    Shipment,
    TrackingEvent,
)


@admin.register(Hub)
class HubAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "country", "city", "latitude", "longitude")


@admin.register(Carrier)
class CarrierAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "organisation", "code_table", "currency", "liability_per_kg")


class RateTableInline(admin.TabularInline):
    model = RateTable
    fields = ("currency", "effective_from", "effective_to", "volumetric_divisor", "source")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Lane)
class LaneAdmin(ReadOnlyAdmin):
    list_display = ("kind", "carrier", "mode", "from_hub", "to_hub", "from_country", "to_country", "transit_days",
                    "active")
    list_filter = ("kind", "mode", "carrier", "active")
    search_fields = ("from_country", "to_country")
    inlines = [RateTableInline]


class RateBreakInline(admin.TabularInline):
    model = RateBreak
    fields = ("max_kg", "price", "per_kg")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(RateTable)
class RateTableAdmin(ReadOnlyAdmin):
    list_display = ("lane", "currency", "effective_from", "effective_to", "volumetric_divisor")
    list_filter = ("currency", "effective_from")
    inlines = [RateBreakInline]


@admin.register(RateBreak)
class RateBreakAdmin(ReadOnlyAdmin):
    list_display = ("table", "max_kg", "price", "per_kg")


class ParcelInline(admin.TabularInline):
    model = Parcel
    fields = ("seq", "tracking_no", "weight_kg", "length_cm", "width_cm", "height_cm", "bag")
    readonly_fields = fields
    extra = 0
    can_delete = False


class LegInline(admin.TabularInline):
    model = Leg
    fields = ("seq", "kind", "carrier", "tracking_no", "planned_days", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("tracking_no", "order_ref", "direction", "origin_country", "destination_country", "status",
                    "status_at", "estimated_delivery", "created_at")
    list_filter = ("status", "direction", "destination_country")
    search_fields = ("tracking_no", "order_ref")
    inlines = [ParcelInline, LegInline]


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("tracking_no", "shipment", "seq", "weight_kg", "bag")
    search_fields = ("tracking_no",)


@admin.register(ParcelItem)
class ParcelItemAdmin(ReadOnlyAdmin):
    list_display = ("parcel", "seq", "sku", "description", "quantity", "value", "currency", "hs_code",
                    "origin_country")
    search_fields = ("sku", "hs_code")


@admin.register(Leg)
class LegAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "seq", "kind", "carrier", "tracking_no", "planned_days")
    search_fields = ("tracking_no",)


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "carrier", "event_id", "raw_code", "status", "unknown_code", "occurred_at",
                    "location")
    list_filter = ("status", "unknown_code", "carrier")
    search_fields = ("event_id", "shipment__tracking_no")


@admin.register(MasterWaybill)
class MasterWaybillAdmin(ReadOnlyAdmin):
    list_display = ("number", "lane", "carrier", "voyage", "departs_on", "status")


@admin.register(Bag)
class BagAdmin(ReadOnlyAdmin):
    list_display = ("code", "origin_hub", "destination_hub", "status", "master_waybill")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("kind", "hub", "subject", "target", "scanned_by", "scanned_at")


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    list_display = ("order_ref", "shipment", "state", "requested_at")
    list_filter = ("state",)


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "kind", "state", "amount_minor", "currency", "liable", "created_at")
    list_filter = ("state", "kind", "liable")


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(ReadOnlyAdmin):
    list_display = ("seller", "window_days", "updated_at")
