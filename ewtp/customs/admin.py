"""Back office: risk rules are edited here by the hub operator (through the service, so every
change is audited); documents, parcels, declarations and tax returns are shown read-only (they change only
through the API and the officers' actions)."""

from django import forms
from django.contrib import admin

from ewtp.accounts.services import actor_for_user
from ewtp.core.admin import ReadOnlyAdmin
from ewtp.core.errors import ValidationFailed
from ewtp.customs import risk, services
from ewtp.customs.models import Declaration, Parcel, RiskRule, TaxReturn, TradeDocument


@admin.register(TradeDocument)
class TradeDocumentAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "kind", "version", "current", "app_type", "body_format", "pushed_by", "received_at")
    list_filter = ("kind", "current", "body_format")
    search_fields = ("order_no",)


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "jurisdiction", "status", "checks", "checked_at")
    list_filter = ("status", "jurisdiction")
    search_fields = ("order_no", "buyer_id_number")


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("number", "jurisdiction", "regime", "status", "lane", "customs_value", "tax_total", "created_at")
    list_filter = ("status", "lane", "jurisdiction")
    search_fields = ("number", "parcel__order_no")


@admin.register(TaxReturn)
class TaxReturnAdmin(ReadOnlyAdmin):
    list_display = ("scheme", "jurisdiction", "period", "status", "duty_total", "tax_total", "currency", "built_at")
    list_filter = ("scheme", "status", "jurisdiction")


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ("kind", "lane", "params", "active", "jurisdiction", "note")

    def clean(self):
        data = super().clean()
        try:
            risk.validate_rule(data.get("kind", ""), data.get("lane", ""), data.get("params"))
        except ValidationFailed as err:
            raise forms.ValidationError(err.message) from None
        return data


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    form = RiskRuleForm
    list_display = ("kind", "lane", "params", "active", "jurisdiction", "note", "updated_at")
    list_filter = ("kind", "lane", "active")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the trail of what applied when stays readable

    def save_model(self, request, obj, form, change) -> None:
        # the form has validated the rule: the service saves it and writes the audit entry
        saved = services.save_risk_rule(actor_for_user(request.user), kind=obj.kind, lane=obj.lane,
                                        params=obj.params, active=obj.active, note=obj.note,
                                        jurisdiction=obj.jurisdiction, rule_id=obj.pk if change else None)
        obj.pk = saved.pk
