"""The seller's account page: business documents for verification, the payout account (kept
as a provider reference; only a masked hint is ever shown again) and product images; and the
download of a document for its seller and the hub operator."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, NotFound
from ewtp.core.permissions import get_accessible
from ewtp.market import catalogue, sellers
from ewtp.market.forms_account import DocumentForm, ImageForm, PayoutForm
from ewtp.market.models import Product, SellerDocument, SellerProfile
from ewtp.web.access import page_actor, role_required
from ewtp.web.forms import apply_errors


def _products(org: int) -> list[tuple[int, str]]:
    return [(p.pk, str(p)) for p in Product.objects.filter(seller_id=org).order_by("-pk")[:500]]


@role_required(Role.SELLER)
def seller_account(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    org = min(actor.org_ids)
    products = _products(org)
    forms = {"document": DocumentForm(prefix="doc"), "payout": PayoutForm(prefix="payout"),
             "image": ImageForm(prefix="img", products=products)}
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "document":
                f = forms["document"] = DocumentForm(request.POST, request.FILES, prefix="doc")
                if f.is_valid():
                    sellers.upload_document(actor, org, f.cleaned_data["kind"], f.cleaned_data["file"])
                    messages.success(request, _("Document uploaded; the hub operator will review it."))
                    return redirect("market:seller-account")
            elif which == "payout":
                f = forms["payout"] = PayoutForm(request.POST, prefix="payout")
                if f.is_valid():
                    sellers.set_payout_account(actor, org, **f.cleaned_data)
                    messages.success(request, _("Payout account saved."))
                    return redirect("market:seller-account")
            elif which == "image":
                f = forms["image"] = ImageForm(request.POST, request.FILES, prefix="img", products=products)
                if f.is_valid():
                    catalogue.add_image(actor, f.cleaned_data["product"], f.cleaned_data["image"])
                    messages.success(request, _("Image added."))
                    return redirect("market:seller-account")
        except AppError as err:
            apply_errors(f, err)
    profile = SellerProfile.objects.filter(organisation_id=org).first()
    documents = profile.documents.order_by("-uploaded_at") if profile else []
    return render(request, "market/seller_account.html", {"profile": profile, "documents": documents,
                                                          "forms": forms})


@role_required(Role.SELLER, Role.HUB_OPERATOR)
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    try:
        doc = get_accessible(page_actor(request), SellerDocument.objects.select_related("seller"), "document",
                             pk=document_id)
    except NotFound:
        raise Http404(_("No such document.")) from None
    # served as an attachment, never rendered inline: an uploaded file is not trusted content
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.file.name.rsplit("/", 1)[-1])
