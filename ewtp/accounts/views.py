"""Sign-up, and the hub operator's pages for organisations and partner tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ewtp.accounts import services
from ewtp.accounts.forms import BuyerSignupForm, OrganisationForm, SellerSignupForm, TokenForm
from ewtp.accounts.models import ApiToken, Organisation
from ewtp.core.actor import Role
from ewtp.core.errors import AppError
from ewtp.web.access import page_actor, role_required
from ewtp.web.forms import apply_errors


def signup(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup.html")


def _signup(request: HttpRequest, form_class: type[forms.Form], service, title: str) -> HttpResponse:
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = service(**form.cleaned_data)
        except AppError as err:
            apply_errors(form, err)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.username})
            return redirect("web:home")
    return render(request, "accounts/signup_form.html", {"form": form, "title": title})


def signup_buyer(request: HttpRequest) -> HttpResponse:
    return _signup(request, BuyerSignupForm, services.signup_buyer, _("Sign up as a buyer"))


def signup_seller(request: HttpRequest) -> HttpResponse:
    return _signup(request, SellerSignupForm, services.signup_seller, _("Sign up as a seller"))


@role_required(Role.HUB_OPERATOR)
def operator_organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(page_actor(request), **form.cleaned_data)
        except AppError as err:
            apply_errors(form, err)
        else:
            messages.success(request, _("Organisation %(name)s created.") % {"name": org.name})
            return redirect("accounts:operator-organisations")
    orgs = Organisation.objects.order_by("kind", "name")[:500]
    return render(request, "accounts/operator_organisations.html", {"form": form, "organisations": orgs})


@role_required(Role.HUB_OPERATOR)
def operator_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.issue_token(page_actor(request), form.cleaned_data["organisation"], form.cleaned_data["name"])
        except AppError as err:
            apply_errors(form, err)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.select_related("organisation").order_by("-id")[:500]
    return render(request, "accounts/operator_tokens.html", {"form": form, "tokens": tokens, "issued": issued})


@require_POST
@role_required(Role.HUB_OPERATOR)
def operator_revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.revoke_token(page_actor(request), token_id)
        messages.success(request, _("Token revoked."))
    except AppError as err:
        messages.error(request, err.message)
    return redirect("accounts:operator-tokens")
