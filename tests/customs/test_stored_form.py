"""`jsondocs.stored_form` is the round trip `from_json(to_json(doc))` it stands in for, down to each
amount's written form (repr tells 12.50 from 12.5, which == does not)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.customs.jsondocs import from_json, stored_form, to_json
from ewtp.customs.samples import parcel
from ewtp.customs.services import decode_body
from ewtp.customs.xml.documents import MESSAGE_OF
from ewtp.customs.xml.produce import message_for, produce
from tests.customs.factories import TRANSFER

KINDS = ("order", "payment", "waybill", "inventory")


def _round_trip(kind: str, doc) -> str:
    return repr(from_json(kind, to_json(doc)))


@pytest.mark.parametrize("n", [1, 2, 7])
def test_the_stored_form_of_sample_documents_is_their_round_trip(n):
    for kind, doc in zip(KINDS, parcel(n, lines=n), strict=True):
        assert repr(stored_form(kind, doc)) == _round_trip(kind, doc)


def test_amounts_come_back_as_written_not_as_given():
    order = parcel(3)[0]
    order = dataclasses.replace(order, freight=Decimal("20.50000"), discount=Decimal("0.00"),
                                tax_total=Decimal("1E+1"), lines=[dataclasses.replace(li, price=Decimal("50.50"))
                                                                  for li in order.lines])
    out = stored_form("order", order)
    assert repr(out) == _round_trip("order", order)
    assert str(out.freight) == "20.5" and str(out.discount) == "0" and str(out.lines[0].price) == "50.5"
    assert str(order.freight) == "20.50000"  # the document given is left as it was


def test_pushed_json_and_xml_documents():
    for kind, doc in zip(KINDS, parcel(4), strict=True):
        [from_body], _, _ = decode_body(kind, produce(message_for([doc], TRANSFER)), "application/xml")
        assert repr(stored_form(kind, from_body)) == _round_trip(kind, from_body)
        decoded = from_json(kind, {**to_json(doc), "guid": doc.guid})
        assert repr(stored_form(kind, decoded)) == _round_trip(kind, decoded)
    assert set(KINDS) == set(MESSAGE_OF)


def test_an_unusual_document_takes_the_round_trip_itself():
    waybill = dataclasses.replace(parcel(5)[2], currency=None)  # None where the default is "142"
    assert stored_form("waybill", waybill).currency == "142" == from_json("waybill", to_json(waybill)).currency
    payment = dataclasses.replace(parcel(5)[1], amount_paid=12.5)  # a float: the round trip refuses it
    with pytest.raises(TypeError):
        stored_form("payment", payment)
    with pytest.raises(TypeError):
        from_json("payment", to_json(payment))
    order = parcel(5)[0]
    order.lines = []
    with pytest.raises(ValidationFailed):
        stored_form("order", order)
