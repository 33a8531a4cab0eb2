"""The seller's account page: documents uploaded and downloadable only by their seller and the hub
operator, the payout account shown only masked, product images resized on upload."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ewtp.accounts.models import User
from ewtp.core.actor import Role
from ewtp.market.models import ProductImage, SellerDocument, SellerProfile


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1600, 900), (180, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


def test_documents_payout_and_images_from_the_account_page(make_seller, make_product, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actor, org = make_seller()
    product = make_product(actor, org)
    seller = _client(User.objects.get(pk=actor.user_id))
    pdf = SimpleUploadedFile("ssm.pdf", b"%PDF-1.4 business registration", content_type="application/pdf")
    r = seller.post("/market/seller/account/", {"form": "document", "doc-kind": "SSM registration", "doc-file": pdf})
    assert r.status_code == 302
    doc = SellerDocument.objects.get(seller__organisation_id=org)
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    r = seller.post("/market/seller/account/", {"form": "document", "doc-kind": "virus", "doc-file": bad})
    assert r.status_code == 200 and "PDF, PNG or JPEG only" in r.content.decode()
    assert SellerDocument.objects.filter(seller__organisation_id=org).count() == 1  # nothing stored

    r = seller.post("/market/seller/account/", {"form": "payout", "payout-bank_code": "MBBEMYKL",
                                                "payout-account_number": "5140 1234 5678"})
    assert r.status_code == 302
    page = seller.get("/market/seller/account/").content.decode()
    assert "MBBEMYKL •••• 5678" in page and "514012345678" not in page and "5140 1234 5678" not in page
    assert "514012345678" not in str(SellerProfile.objects.filter(organisation_id=org).values().get())

    png = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    r = seller.post("/market/seller/account/", {"form": "image", "img-product": product.pk, "img-image": png})
    assert r.status_code == 302
    assert ProductImage.objects.get(product=product).width < 1600  # resized on the server

    got = seller.get(f"/market/seller/documents/{doc.pk}/")
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]
    assert b"".join(got.streaming_content).startswith(b"%PDF")
    assert _client(make_user(Role.HUB_OPERATOR)).get(f"/market/seller/documents/{doc.pk}/").status_code == 200
    other_actor, _ = make_seller()
    other = _client(User.objects.get(pk=other_actor.user_id))
    assert other.get(f"/market/seller/documents/{doc.pk}/").status_code == 404
    assert _client(make_user(Role.BUYER)).get(f"/market/seller/documents/{doc.pk}/").status_code == 403


def test_account_and_group_payment_pages_in_three_languages(make_seller):
    actor, _ = make_seller()
    seller = _client(User.objects.get(pk=actor.user_id))
    for lang, heading in (("en", "Business documents"), ("zh-hans", "营业文件"), ("ms", "Dokumen perniagaan")):
        html = seller.get("/market/seller/account/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert heading in html, lang
