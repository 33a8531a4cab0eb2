"""Forms of the seller's account page: business documents, the payout account, product images."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DocumentForm(forms.Form):
    kind = forms.CharField(label=_("Document (e.g. business registration, tax certificate)"), max_length=40)
    file = forms.FileField(label=_("File (PDF, PNG or JPEG, at most 5 MB)"))


class PayoutForm(forms.Form):
    bank_code = forms.CharField(label=_("Bank code (SWIFT/BIC or local)"), max_length=20)
    account_number = forms.CharField(label=_("Account number or IBAN"), max_length=40)


class ImageForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    image = forms.ImageField(label=_("Image (resized on the server)"))

    def __init__(self, *args, products: list[tuple[int, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products
