from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ewtp.accounts.forms import country_choices
from ewtp.market.registrations import SCHEMES


class ProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    base_currency = forms.CharField(label=_("Base currency (ISO 4217)"), max_length=3, min_length=3)
    address = forms.CharField(label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RegistrationForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Scheme"), choices=[(s, s) for s in SCHEMES])
    number = forms.CharField(label=_("Registration number"), max_length=40)


class ProductForm(forms.Form):
    hs_code = forms.CharField(label=_("HS code (6 digits)"), max_length=6)
    origin = forms.ChoiceField(label=_("Country of origin"), choices=country_choices)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    title_zh_hans = forms.CharField(label=_("Title (简体中文)"), max_length=200, required=False)
    title_ms = forms.CharField(label=_("Title (Bahasa Melayu)"), max_length=200, required=False)
    description_en = forms.CharField(label=_("Description (English)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    sku = forms.CharField(label=_("SKU"), max_length=64)
    price = forms.CharField(label=_("Price"), max_length=20)
    weight_kg = forms.CharField(label=_("Weight (kg)"), max_length=12)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class AddressForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Telephone"), max_length=30)
    line1 = forms.CharField(label=_("Address"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    id_name = forms.CharField(label=_("Name on ID (China only)"), max_length=100, required=False)
    id_number = forms.CharField(label=_("ID number (China only)"), max_length=18, required=False)
