import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.market import sellers
from ewtp.market.models import SellerDocument, SellerProfile


def test_verification_state_machine(make_seller, operator):
    actor, org = make_seller(verified=False)
    assert SellerProfile.objects.get(organisation_id=org).status == "pending"
    with pytest.raises(ValidationFailed):
        sellers.decide_verification(operator, org, verified=False)  # a rejection needs a reason
    sellers.decide_verification(operator, org, verified=False, reason="business licence unreadable")
    with pytest.raises(Conflict):
        sellers.decide_verification(operator, org, verified=True)  # rejected -> verified is not allowed
    sellers.onboard(actor, org, legal_name="Fixed Sdn Bhd", country="MY", base_currency="MYR", address="2 Jalan")
    assert SellerProfile.objects.get(organisation_id=org).status == "pending"  # resubmitted
    sellers.decide_verification(operator, org, verified=True)
    with pytest.raises(Conflict):
        sellers.onboard(actor, org, legal_name="Changed", country="MY", base_currency="MYR", address="x")


def test_only_operators_verify(make_seller):
    actor, org = make_seller(verified=False)
    with pytest.raises(Forbidden):
        sellers.decide_verification(actor, org, verified=True)


def test_onboarding_validates_every_field(make_seller):
    actor, org = make_seller(verified=False)
    with pytest.raises(ValidationFailed) as exc:
        sellers.onboard(actor, org, legal_name="", country="XX", base_currency="ABC", address="")
    assert set(exc.value.fields) == {"legal_name", "country", "base_currency", "address"}


def test_another_sellers_profile_is_hidden(make_seller):
    a, _ = make_seller()
    _, org_b = make_seller()
    with pytest.raises(NotFound):
        sellers.add_registration(a, org_b, "MY-LVG", "W10-1808-31000123")


def test_registrations_validated_and_one_per_scheme(make_seller):
    actor, org = make_seller()
    with pytest.raises(ValidationFailed) as exc:
        sellers.add_registration(actor, org, "AU-GST", "51 824 753 557")
    assert "number" in exc.value.fields
    sellers.add_registration(actor, org, "MY-LVG", "W10-1808-31000123")
    sellers.add_registration(actor, org, "MY-LVG", "W10-1808-31000999")
    assert [r.number for r in SellerProfile.objects.get(organisation_id=org).registrations.all()] == [
        "W10-1808-31000999"]


def test_payout_account_is_never_kept_in_full(make_seller):
    actor, org = make_seller()
    p = sellers.set_payout_account(actor, org, account_number="5140 1234 5678 9012", bank_code="MBBEMYKL")
    assert p.payout_hint == "MBBEMYKL •••• 9012"
    stored = " ".join(str(v) for v in SellerProfile.objects.filter(pk=p.pk).values().get().values())
    assert "514012345678" not in stored.replace(" ", "")


def test_documents_are_typed_and_hashed(make_seller, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": tmp_path}}}
    actor, org = make_seller()
    doc = sellers.upload_document(actor, org, "business registration",
                                  SimpleUploadedFile("ssm.pdf", b"%PDF-1.4 test", content_type="application/pdf"))
    assert len(doc.sha256) == 64
    with pytest.raises(ValidationFailed):
        sellers.upload_document(actor, org, "x", SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload"))
    assert SellerDocument.objects.count() == 1
