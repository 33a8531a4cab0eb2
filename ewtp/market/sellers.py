"""Seller use cases: onboarding, tax registrations, documents, verification, payout account."""

from __future__ import annotations

import hashlib
import secrets

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ewtp.accounts.models import Organisation
from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.currencies import is_currency
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.permissions import require_access, require_role
from ewtp.market import registrations
from ewtp.market.models import SellerDocument, SellerProfile, TaxRegistration
from ewtp.rules.refdata import is_country

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _seller_org(actor: Actor, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id, kind=Organisation.SELLER).first()
    if org is None:
        raise NotFound("seller organisation not found")
    require_access(actor, org)
    return org


def profile_for(actor: Actor, org_id: int) -> SellerProfile:
    profile = SellerProfile.objects.select_related("organisation").filter(organisation_id=org_id).first()
    if profile is None:
        raise NotFound("seller profile not found")
    require_access(actor, profile)
    return profile


def onboard(actor: Actor, org_id: int, *, legal_name: str, country: str, base_currency: str,
            address: str) -> SellerProfile:
    org = _seller_org(actor, org_id)
    errors: dict[str, list[str]] = {}
    if not legal_name.strip() or len(legal_name) > 200:
        errors["legal_name"] = ["required, at most 200 characters"]
    if not is_country(country):
        errors["country"] = [f"unknown country code {country!r}"]
    if not is_currency(base_currency):
        errors["base_currency"] = [f"unknown currency code {base_currency!r}"]
    if not address.strip() or len(address) > 500:
        errors["address"] = ["required, at most 500 characters"]
    if errors:
        raise ValidationFailed("the seller profile is not valid", fields=errors)
    with transaction.atomic():
        profile, created = SellerProfile.objects.select_for_update().get_or_create(
            organisation=org, defaults={"legal_name": legal_name.strip(), "country": country,
                                        "base_currency": base_currency, "address": address.strip()})
        if not created:
            if profile.status == SellerProfile.VERIFIED:
                raise Conflict("a verified profile cannot be changed; ask the hub operator", code="seller_verified")
            before = {"legal_name": profile.legal_name, "country": profile.country, "status": profile.status}
            profile.legal_name, profile.country = legal_name.strip(), country
            profile.base_currency, profile.address = base_currency, address.strip()
            profile.status, profile.rejection_reason = SellerProfile.PENDING, ""
            profile.save()
        else:
            before = None
        audit.record(actor, "market.seller_onboard", profile, before=before,
                     after={"legal_name": profile.legal_name, "country": country, "status": profile.status})
    return profile


def add_registration(actor: Actor, org_id: int, scheme: str, number: str) -> TaxRegistration:
    profile = profile_for(actor, org_id)
    if scheme not in registrations.SCHEMES:
        raise ValidationFailed.field("scheme", f"one of {', '.join(registrations.SCHEMES)}")
    if not registrations.is_valid(scheme, number):
        raise ValidationFailed.field("number", f"not a valid {scheme} registration number")
    with transaction.atomic():
        reg, _ = TaxRegistration.objects.update_or_create(
            seller=profile, scheme=scheme, defaults={"number": registrations.normalise(scheme, number)})
        audit.record(actor, "market.add_registration", reg, after={"scheme": scheme, "number": reg.number})
    return reg


def upload_document(actor: Actor, org_id: int, kind: str, upload: UploadedFile) -> SellerDocument:
    profile = profile_for(actor, org_id)
    if not kind.strip() or len(kind) > 40:
        raise ValidationFailed.field("kind", "required, at most 40 characters")
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed.field("file", "at most 5 MB")
    if upload.content_type not in DOCUMENT_TYPES:
        raise ValidationFailed.field("file", "PDF, PNG or JPEG only")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        doc = SellerDocument.objects.create(seller=profile, kind=kind.strip(), file=upload, sha256=digest.hexdigest())
        audit.record(actor, "market.upload_document", doc, after={"kind": doc.kind, "sha256": doc.sha256})
    return doc


def decide_verification(actor: Actor, org_id: int, *, verified: bool, reason: str = "") -> SellerProfile:
    """The hub operator verifies or rejects (with a reason) a pending seller."""
    require_role(actor, [Role.HUB_OPERATOR])
    target = SellerProfile.VERIFIED if verified else SellerProfile.REJECTED
    if not verified and not reason.strip():
        raise ValidationFailed.field("reason", "a rejection needs a reason")
    with transaction.atomic():
        profile = SellerProfile.objects.select_for_update().filter(organisation_id=org_id).first()
        if profile is None:
            raise NotFound("seller profile not found")
        if target not in SellerProfile.TRANSITIONS[profile.status]:
            raise Conflict(f"cannot move a {profile.status} seller to {target}", code="invalid_transition")
        before = profile.status
        profile.status, profile.rejection_reason = target, reason.strip()[:500]
        profile.save(update_fields=["status", "rejection_reason"])
        audit.record(actor, "market.seller_verification", profile, before={"status": before},
                     after={"status": target, "reason": profile.rejection_reason})
    return profile


def set_payout_account(actor: Actor, org_id: int, *, account_number: str, bank_code: str) -> SellerProfile:
    """Keeps only a provider-style reference and a masked hint: the number is never stored or shown again."""
    profile = profile_for(actor, org_id)
    digits = "".join(c for c in account_number if c.isalnum())
    if not 6 <= len(digits) <= 34:
        raise ValidationFailed.field("account_number", "6 to 34 letters or digits")
    if not bank_code.strip() or len(bank_code) > 20:
        raise ValidationFailed.field("bank_code", "required, at most 20 characters")
    with transaction.atomic():
        # SANDBOX vault: a real deployment hands the number to the payout provider and keeps its token.
        profile.payout_reference = "sandbox-vault:" + secrets.token_urlsafe(16)
        profile.payout_hint = f"{bank_code.strip()[:12]} •••• {digits[-4:]}"
        profile.save(update_fields=["payout_reference", "payout_hint"])
        audit.record(actor, "market.set_payout_account", profile, after={"hint": profile.payout_hint})
    return profile
