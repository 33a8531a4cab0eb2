"""Label and CN23 PDFs: the text pypdf extracts carries the fields; the barcode encodes the
tracking number (decoded back from the bar widths reportlab draws)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import _patterns

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import NotFound
from ewtp.logistics.documents import cn23, label
from ewtp.logistics.documents.common import parcel_for_documents, route
from ewtp.logistics.models import Shipment
from tests.logistics.factories_ops import Network, shipment

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages)


def _widths(pattern: str) -> str:
    return "".join(str(ord(ch.upper()) - 64) for ch in pattern)  # A..D = 1..4 modules, bar upper, space lower


def decode_code128(widths: str) -> str:
    """Decode reportlab's bar/space width string back to text, checking the start symbol, the
    mod-103 checksum and the stop symbol."""
    # the table against ISO/IEC 15417's own values for a few symbols, so we decode real Code 128
    assert [_widths(_patterns[v]) for v in (0, 103, 104, 105, 106)] == [
        "212222", "211412", "211214", "211232", "2331112"]
    value_of = {pattern: v for v, pattern in _patterns.items()}
    assert widths.endswith(_patterns[106])
    values = [value_of[widths[i:i + 6]] for i in range(0, len(widths) - 7, 6)]
    start, *data, check = values
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check
    out, subset = [], {103: "A", 104: "B", 105: "C"}[start]
    for v in data:
        if v == 99:
            subset = "C"
        elif v == 100:
            subset = "B"
        elif v == 101:
            subset = "A"
        elif subset == "C":
            out.append(f"{v:02d}")
        else:
            out.append(chr(v + 32))
    return "".join(out)


@pytest.fixture
def parcel(make_user):
    net = Network()
    seller = make_user(Role.SELLER).memberships.first().organisation
    s = shipment(net, seller=seller, buyer=make_user(Role.BUYER), order_ref="OG77-S1")
    return parcel_for_documents(SYSTEM, s.parcels.get().tracking_no)


def test_label_has_barcode_route_addresses_weight(parcel):
    txt = _text(label.render(parcel))
    assert parcel.tracking_no in txt
    assert "ROUTE CN > HGH > LGG > BE" in txt and "(DHLX) LGG" in txt
    assert "Hangzhou Tea Co" in txt and "Anne Dupont" in txt and "4000 Liège" in txt
    assert "Weight 1.250 kg" in txt
    bc = label.barcode_for(parcel.tracking_no)
    bc.validate()
    bc.encode()
    bc.decompose()
    assert decode_code128(bc.decomposed) == parcel.tracking_no
    page = PdfReader(io.BytesIO(label.render(parcel))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (288, 432)  # 4 x 6 in


def test_cn23_has_the_article_fields_and_sale_of_goods(parcel):
    txt = _text(cn23.render(parcel))
    assert "CUSTOMS DECLARATION CN 23" in txt
    for field in ("Longjing green tea, 250 g tin", "090210", "691200", "0.500", "24.00 EUR", "15.50 EUR"):
        assert field in txt
    assert "Total gross weight (4) 1.250 kg" in txt and "Total value (6) 39.50 EUR" in txt
    assert "[X] Sale of goods" in txt and "[ ] Gift" in txt and "[ ] Returned goods" in txt
    assert "Hangzhou Tea Co" in txt and "Anne Dupont" in txt


def test_return_cn23_ticks_returned_goods(parcel):
    parcel.shipment.direction = Shipment.RETURN
    assert "[X] Returned goods" in _text(cn23.render(parcel))


def test_route_without_legs(parcel):
    parcel.shipment.legs.all().delete()
    s = Shipment.objects.get(pk=parcel.shipment_id)
    assert route(s) == ["CN", "HGH", "LGG", "BE"]


def test_who_may_print(parcel, make_user):
    s = parcel.shipment
    seller_actor = Actor(role=Role.SELLER, org_ids=frozenset({s.seller_id}), user_id=999999)
    assert parcel_for_documents(seller_actor, parcel.tracking_no).pk == parcel.pk
    carrier_org = s.legs.get(seq=2).carrier.organisation_id
    assert parcel_for_documents(Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({carrier_org})),
                                parcel.tracking_no)
    buyer = actor_for_user(s.buyer)
    with pytest.raises(NotFound):
        parcel_for_documents(buyer, parcel.tracking_no)  # a forward parcel's label is the seller's business
    with pytest.raises(NotFound):
        parcel_for_documents(actor_for_user(make_user(Role.SELLER)), parcel.tracking_no)
    Shipment.objects.filter(pk=s.pk).update(direction=Shipment.RETURN)
    assert parcel_for_documents(buyer, parcel.tracking_no)
