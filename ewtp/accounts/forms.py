from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ewtp.accounts.models import Organisation
from ewtp.rules.refdata import country_table


def country_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(c, f"{c} — {r['name_en']}") for c, r in sorted(country_table().items())]


class BuyerSignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)


class SellerSignupForm(BuyerSignupForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200)


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.KINDS)
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)


class TokenForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("name"))
    name = forms.CharField(label=_("Token name"), max_length=100)
