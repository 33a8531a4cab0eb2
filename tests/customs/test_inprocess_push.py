"""In-process pushes skip the JSON bytes round trip only where it is a no-op: the decoded value
then meets the same checks and gives the same typed document (and digest) as its bytes would."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.customs import intake, services
from ewtp.customs.jsondocs import to_json
from tests.customs.factories import parcel

KINDS = ("order", "payment", "waybill", "inventory")


@pytest.mark.parametrize("jurisdiction", ["CN", "DE"])
def test_a_decoded_value_gives_the_same_document_as_its_bytes(jurisdiction):
    for kind, doc in zip(KINDS, parcel(1), strict=True):
        fields = to_json(doc)
        push = intake._push(fields, jurisdiction)
        assert push.data is not None and push.body == b""
        from_bytes = services.decode_body(kind, intake._body(fields), "application/json", jurisdiction)
        from_value = services.decode_data(kind, push.data, jurisdiction)
        assert from_value == from_bytes
        assert services._digest(to_json(from_value[0][0])) == services._digest(to_json(from_bytes[0][0]))


@pytest.mark.parametrize("odd", [1.5, (1, 2), {1: "x"}, "\ud800", Decimal("1.5")])
def test_what_a_round_trip_would_change_goes_as_bytes(odd):
    doc = {**to_json(parcel(2)[1]), "note": odd}
    if odd == "\ud800":  # UTF-8 cannot carry it: the bytes route fails on it, as it always did
        with pytest.raises(UnicodeEncodeError):
            intake._body(doc)
        with pytest.raises(UnicodeEncodeError):
            intake._push(doc, "CN")
        return
    push = intake._push(doc, "CN")
    if isinstance(odd, Decimal):  # _plain makes amounts decimal strings: plain JSON
        assert push.data == intake._plain({**doc, "note": "1.5"})
        return
    assert push.data is None
    assert push.body == intake._body({**doc, "note": odd})


def test_too_deep_goes_as_bytes_and_is_refused_as_before():
    deep: list = []
    for _ in range(40):
        deep = [deep]
    push = intake._push({"note": deep}, "CN")
    assert push.data is None
    with pytest.raises(ValidationFailed):
        services.decode_body("payment", push.body, "application/json", "CN")


def test_a_float_is_refused_the_same_either_way():
    doc = {**to_json(parcel(3)[1]), "amountPaid": 1.5}
    with pytest.raises(ValidationFailed) as by_bytes:
        services.decode_body("payment", json.dumps(doc).encode(), "application/json", "CN")
    with pytest.raises(ValidationFailed) as by_value:
        services.decode_data("payment", doc, "CN")
    assert by_bytes.value.fields == by_value.value.fields
