from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ewtp.core.errors import ValidationFailed
from ewtp.customs.codes import gacc_country, gacc_currency, gacc_unit, to_iso
from ewtp.customs.xml.parse import parse_message
from ewtp.customs.xml.produce import fmt_decimal, message_for, produce
from ewtp.customs.xml.safe import SCHEMA_DIR, XmlRefused, parse_and_validate, parse_bytes
from ewtp.customs.xml.sign import SignatureInvalid, verify_tree
from tests.customs.factories import TRANSFER, parcel

SAMPLES = ["CEB311", "CEB411", "CEB511", "CEB621"]


@pytest.mark.parametrize("name", SAMPLES)
def test_official_samples_validate_and_parse(name):
    data = (SCHEMA_DIR / f"{name}.xml").read_bytes()
    msg = parse_message(data)
    assert msg.kind == name and msg.documents and msg.signed


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_round_trip_through_produce(name):
    msg = parse_message((SCHEMA_DIR / f"{name}.xml").read_bytes())
    again = parse_message(produce(msg))
    assert again.documents == msg.documents and again.transfer == msg.transfer


def test_every_produced_message_validates_and_621_is_signed():
    docs = parcel(7)
    for doc in docs:
        data = produce(message_for([doc], TRANSFER))
        parse_and_validate(data)  # raises on any schema violation
        back = parse_message(data)
        assert back.documents == [doc]
    inv = produce(message_for([docs[3]], TRANSFER))
    verify_tree(parse_and_validate(inv))


def test_tampered_signed_message_fails_verification():
    inv = produce(message_for([parcel(1)[3]], TRANSFER))
    tampered = inv.replace("张三".encode(), "李四".encode())
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_tree(parse_and_validate(tampered))


def test_rsa_sha256_signature_verifies_with_signxml(monkeypatch):
    from signxml import XMLVerifier

    from ewtp.customs.xml.sign import hub_key

    monkeypatch.setenv("EWTP_CUSTOMS_SIGNATURE", "rsa-sha256")
    data = produce(message_for([parcel(2)[3]], TRANSFER))
    from cryptography.hazmat.primitives.serialization import Encoding

    XMLVerifier().verify(data, x509_cert=hub_key().cert.public_bytes(Encoding.PEM).decode())


def test_produce_refuses_an_invalid_document():
    order = copy.deepcopy(parcel(1)[0])
    order.currency = "CNY"  # must be the 3-digit GACC code
    with pytest.raises(XmlRefused) as exc:
        produce(message_for([order], TRANSFER))
    assert any("currency" in v.element for v in exc.value.violations)


def test_schema_violation_names_line_and_element():
    data = produce(message_for([parcel(1)[0]], TRANSFER)).replace(b"<ceb:currency>142</ceb:currency>",
                                                                   b"<ceb:currency>1420</ceb:currency>", 1)
    with pytest.raises(XmlRefused) as exc:
        parse_and_validate(data)
    v = exc.value.violations[0]
    assert v.line > 1 and v.element.endswith("ceb:currency") and "length" in v.message


def test_decimal_format():
    assert fmt_decimal(Decimal("19050.00")) == "19050"
    assert fmt_decimal(Decimal("1.234567")) == "1.23457"
    assert fmt_decimal(Decimal("1E+3")) == "1000"
    with pytest.raises(TypeError):
        fmt_decimal(1.5)


def test_code_tables():
    assert gacc_currency("CNY") == "142" and gacc_currency("USD") == "502" and gacc_currency("EUR") == "300"
    assert gacc_country("CN") == "142" and gacc_country("JP") == "116" and gacc_country("US") == "502"
    assert gacc_country("GB") == "303" and gacc_country("MY") == "122" and gacc_unit("C62") == "007"
    assert to_iso("country", "116") == "JP"
    with pytest.raises(ValidationFailed):
        gacc_country("ZZ")


# -- hostile and malformed input ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0">&lol3;</ceb:CEB311Message>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0">&xxe;</ceb:CEB311Message>"""


@pytest.mark.parametrize("data,fragment", [
    (BILLION_LAUGHS, "DOCTYPE"),
    (XXE, "DOCTYPE"),
    (b'<?xml version="1.0" encoding="GBK"?><a/>', "encoding"),
    (b'<?xml version="1.0" encoding="UTF-8"?><a>\xb2\xe2\xca\xd4</a>', "UTF-8"),
    ("<a/>".encode("utf-16"), "UTF-16"),
    (b"<a><b></a>", "well-formed"),
    (b"", "empty"),
])
def test_hostile_or_malformed_xml_is_refused(data, fragment):
    with pytest.raises(XmlRefused) as exc:
        parse_and_validate(data)
    assert fragment in str(exc.value)


def test_entity_hidden_from_byte_check_is_not_expanded(monkeypatch):
    # second wall: even if the pre-check were bypassed, lxml must not expand or fetch entities
    from ewtp.customs.xml import safe

    monkeypatch.setattr(safe, "_check_bytes", lambda data, max_bytes: data)
    with pytest.raises(XmlRefused):
        safe.parse_bytes(XXE)
    try:
        tree = safe.parse_bytes(BILLION_LAUGHS)
    except XmlRefused:
        return
    assert len(etree.tostring(tree)) < 10_000  # not expanded


def test_oversized_message_refused():
    with pytest.raises(XmlRefused, match="limit"):
        parse_bytes(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)


def test_other_message_kind_refused_when_a_kind_is_expected():
    data = (SCHEMA_DIR / "CEB411.xml").read_bytes()
    with pytest.raises(XmlRefused, match="expected a order"):
        parse_message(data, expect="order")


def test_sample_files_are_the_official_copies():
    shared = Path("/work/shared/data/gacc-ceb-2022-05")
    if not shared.exists():
        pytest.skip("shared reference data not mounted")
    for name in ["import202205.xsd", *(f"{s}.xml" for s in SAMPLES)]:
        assert (SCHEMA_DIR / name).read_bytes() == (shared / name).read_bytes()


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda s: s == s.strip() and s.strip())
AMOUNT = st.decimals(min_value=0, max_value=10**9, places=5, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(name=TEXT, address=TEXT, goods=AMOUNT, item=TEXT)
def test_produce_then_parse_round_trips_any_text_and_amount(name, address, goods, item):
    order = parcel(1)[0]
    order.buyer_name, order.consignee_address, order.goods_value = name, address, goods
    order.lines[0].item_name = item
    data = produce(message_for([order], TRANSFER))  # raises if the XSD refused it
    back = parse_message(data).documents[0]
    assert (back.buyer_name, back.consignee_address, back.lines[0].item_name) == (name, address, item)
    assert back.goods_value == goods
