"""In-process pushes skip the JSON bytes round trip only where it is a no-op: the decoded value
then meets the same checks and gives the same typed document (and digest) as its bytes would."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.customs import intake, schema_check, services
from ewtp.customs.jsondocs import to_json
from tests.customs.factories import parcel

KINDS = ("order", "payment", "waybill", "inventory")


@pytest.mark.parametrize("jurisdiction", ["CN", "DE"])
def test_a_decoded_value_gives_the_same_document_as_its_bytes(jurisdiction):
    for kind, doc in zip(KINDS, parcel(1), strict=True):
        fields = to_json(doc)
        push = intake._push(fields, jurisdiction)
        assert push.data is not None and push.body == b"" and push.plain
        from_bytes = services.decode_body(kind, intake._body(fields), "application/json", jurisdiction)
        from_value = services.decode_data(kind, push.data, jurisdiction)
        assert from_value == from_bytes
        assert services.decode_data(kind, push.data, jurisdiction, plain=True) == from_bytes  # no float to refuse
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
    assert push.data is None and not push.plain
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


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_meets_the_schema_as_each_document_alone(kind):
    docs = [dict(zip(KINDS, parcel(n), strict=True))[kind] for n in range(20, 26)]
    docs[2].currency = "USD"  # China's schema wants 142 (CNY): typed, but refused by the schema
    docs[4].currency = "840"
    alone = [schema_check.refusal(d) for d in docs]
    assert [r is None for r in alone] == [True, True, False, True, False, True]
    together = schema_check.refusals(docs)
    assert [(r.message, r.fields) if r else None for r in together] == \
           [(r.message, r.fields) if r else None for r in alone]
    assert schema_check.refusals(docs[:2]) == [None, None]


def test_a_batch_refuses_in_place_what_one_by_one_refuses(db):
    good, bad = to_json(parcel(30)[1]), {**to_json(parcel(31)[1]), "currency": "USD"}
    pusher = _payments_partner()
    results = intake.push_json_many(pusher, "payment", [(good, "CN"), (bad, "CN")])
    assert results[0].outcome == "stored" and isinstance(results[1], ValidationFailed)
    with pytest.raises(ValidationFailed) as alone:
        intake.push_json(pusher, "payment", bad)
    assert (alone.value.message, alone.value.fields) == (results[1].message, results[1].fields)


def _payments_partner():
    from ewtp.accounts.models import Organisation
    from ewtp.core.actor import Actor, Role

    org = Organisation.objects.create(kind=Organisation.PAYMENT, name="pay", country="MY")
    return Actor(role=Role.PAYMENT_PARTNER, org_ids=frozenset({org.pk}), label="pay")


def test_no_printable_character_is_one_xml_cannot_carry():
    """jsondocs skips its search for printable values: none of the characters it refuses is printable."""
    from ewtp.customs.jsondocs import _NOT_XML

    assert not [c for c in map(chr, range(0x110000)) if c.isprintable() and _NOT_XML.search(c)]
    assert _NOT_XML.search("a\x01b") and not "a\x01b".isprintable()
