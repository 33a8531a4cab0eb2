"""Catalogue pages for everyone; the seller console; the operator's seller verification queue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ewtp.core.actor import Role
from ewtp.core.currencies import is_currency
from ewtp.core.errors import AppError
from ewtp.core.parse import form_int
from ewtp.logistics.shipments import tracking_numbers
from ewtp.market import catalogue, sellers
from ewtp.market.browse import SORTS, BrowseQuery, browse
from ewtp.market.catalogue import ProductSpec, VariantSpec
from ewtp.market.forms import ProductForm, ProfileForm, RegistrationForm, RejectForm
from ewtp.market.fulfilment import accept_order
from ewtp.market.models import Order, Product, SellerProfile
from ewtp.market.pricing import fx_margin, rate_lookup
from ewtp.rules.models import HSCode
from ewtp.rules.refdata import country_table
from ewtp.web.access import page_actor, role_required
from ewtp.web.forms import apply_errors


def _decimal_or_none(value: str) -> Decimal | None:
    try:
        d = Decimal(value)
        return d if d.is_finite() and d >= 0 else None
    except (InvalidOperation, ValueError):
        return None


def _buyer_currency(request: HttpRequest) -> str:
    asked = request.GET.get("currency", "").upper()
    if is_currency(asked):
        return asked
    user = request.user
    if user.is_authenticated and user.country:
        return country_table().get(user.country, {}).get("currency") or "USD"
    return "USD"


def catalogue_page(request: HttpRequest) -> HttpResponse:
    g = request.GET
    query = BrowseQuery(
        q=g.get("q", "")[:200], chapter=g.get("chapter", "")[:2], origin=g.get("origin", "")[:2].upper(),
        seller_country=g.get("seller_country", "")[:2].upper(), min_price=_decimal_or_none(g.get("min_price", "")),
        max_price=_decimal_or_none(g.get("max_price", "")), currency=_buyer_currency(request),
        sort=g.get("sort") if g.get("sort") in SORTS else "relevance",
        page=form_int(g.get("page"), low=1, high=10_000) or 1, size=24)
    page = browse(query, rate_lookup())
    ctx = {"page": page, "query": query, "margin_pct": fx_margin() * 100,
           "chapters": HSCode.objects.filter(level=2).order_by("code"), "sorts": sorted(SORTS)}
    template = "market/catalogue_results.html" if request.headers.get("HX-Request") else "market/catalogue.html"
    return render(request, template, ctx)


def product_page(request: HttpRequest, product_id: int) -> HttpResponse:
    p = get_object_or_404(Product.objects.prefetch_related("variants", "images"), pk=product_id,
                          status=Product.PUBLISHED)
    currency = _buyer_currency(request)
    rate = rate_lookup()
    variants = [(v, (v.price * rate(v.currency, currency)).amount) for v in p.variants.all()]
    return render(request, "market/product.html", {"p": p, "variants": variants, "currency": currency,
                                                   "margin_pct": fx_margin() * 100})


def _my_org(request: HttpRequest) -> int:
    return min(page_actor(request).org_ids)


@role_required(Role.SELLER)
def seller_console(request: HttpRequest) -> HttpResponse:
    actor, org = page_actor(request), _my_org(request)
    profile = SellerProfile.objects.filter(organisation_id=org).first()
    forms = {"profile": ProfileForm(prefix="profile"), "registration": RegistrationForm(prefix="reg"),
             "product": ProductForm(prefix="product")}
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "profile":
                f = forms["profile"] = ProfileForm(request.POST, prefix="profile")
                if f.is_valid():
                    sellers.onboard(actor, org, **f.cleaned_data)
                    messages.success(request, _("Profile saved; the hub operator will verify it."))
                    return redirect("market:seller-console")
            elif which == "registration":
                f = forms["registration"] = RegistrationForm(request.POST, prefix="reg")
                if f.is_valid():
                    sellers.add_registration(actor, org, f.cleaned_data["scheme"], f.cleaned_data["number"])
                    messages.success(request, _("Registration saved."))
                    return redirect("market:seller-console")
            elif which == "product":
                f = forms["product"] = ProductForm(request.POST, prefix="product")
                if f.is_valid():
                    d = f.cleaned_data
                    catalogue.create_product(actor, org, ProductSpec(
                        hs_code=d["hs_code"], origin=d["origin"],
                        titles={"en": d["title_en"], "zh_hans": d["title_zh_hans"], "ms": d["title_ms"]},
                        descriptions={"en": d["description_en"]},
                        variants=[VariantSpec(sku=d["sku"], price=d["price"], weight_kg=d["weight_kg"])]))
                    messages.success(request, _("Product created as a draft."))
                    return redirect("market:seller-console")
        except AppError as err:
            apply_errors(f, err)
    products = Product.objects.filter(seller_id=org).prefetch_related("variants__stock").order_by("-pk")[:200]
    open_orders = list(Order.objects.select_related("group").filter(seller_id=org).exclude(state__in=[Order.CANCELLED, Order.COMPLETED,
                                                                         Order.REFUNDED]).order_by("-pk")[:200])
    tracking = tracking_numbers([o.reference for o in open_orders])
    for o in open_orders:
        o.tracking_no = tracking.get(o.reference, "")
    return render(request, "market/seller_console.html", {"profile": profile, "forms": forms, "products": products,
                                                          "orders": open_orders})


@require_POST
@role_required(Role.SELLER)
def seller_accept(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        _order, shipment = accept_order(page_actor(request), order_id)
        messages.success(request, _("Order accepted; shipment %(tracking)s created.") % {"tracking": shipment.tracking_no})
    except AppError as err:
        messages.error(request, err.message)
    return redirect("market:seller-console")


@require_POST
@role_required(Role.SELLER)
def seller_publish(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        catalogue.publish(page_actor(request), product_id)
        messages.success(request, _("Product published."))
    except AppError as err:
        messages.error(request, err.message)
    return redirect("market:seller-console")


@role_required(Role.HUB_OPERATOR)
def operator_sellers(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        org_id = form_int(request.POST.get("organisation"), low=1) or 0  # 0: not found, a clear message
        form = RejectForm(request.POST)
        try:
            form.is_valid()
            sellers.decide_verification(page_actor(request), org_id, verified=request.POST.get("decision") == "verify",
                                        reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("Decision recorded."))
        except AppError as err:
            messages.error(request, err.message)
        return redirect("market:operator-sellers")
    profiles = SellerProfile.objects.select_related("organisation").prefetch_related("registrations", "documents")
    return render(request, "market/operator_sellers.html", {"profiles": profiles.order_by("status", "-pk")[:500]})
