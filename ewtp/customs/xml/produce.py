"""Typed documents -> CEB XML, valid against the official schema (asserted by `produce`)."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from ewtp.customs.xml.documents import MESSAGE_OF, Message, Transfer, spec
from ewtp.customs.xml.parse import LAYOUT
from ewtp.customs.xml.safe import CEB_NS, Violation, XmlRefused, schema_violations

_N = "{" + CEB_NS + "}"
_FIVE = Decimal("0.00001")


def new_guid() -> str:
    return str(uuid.uuid4()).upper()  # the schema wants 36 characters, upper-case letters


def fmt_decimal(value: Decimal) -> str:
    """decimal(19,5) as plain digits: at most 5 decimals, no exponent, no trailing zeros."""
    if not isinstance(value, Decimal):
        raise TypeError(f"amounts must be Decimal, got {type(value).__name__}")
    q = value.quantize(_FIVE, rounding=ROUND_HALF_UP)
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fill(parent: etree._Element, obj: object) -> None:
    for attr, xml_name, scalar in spec(type(obj)):
        value = getattr(obj, attr)
        if value is None:
            continue
        el = etree.SubElement(parent, _N + xml_name)
        el.text = fmt_decimal(value) if scalar is Decimal else str(value)


def build_tree(msg: Message) -> etree._ElementTree:
    wrapper, head_name, _, line_name, _ = LAYOUT[msg.kind]
    root = etree.Element(_N + f"{msg.kind}Message", nsmap={"ceb": CEB_NS})
    root.set("guid", msg.guid)
    root.set("version", msg.version)
    for doc in msg.documents:
        w = etree.SubElement(root, _N + wrapper)
        _fill(etree.SubElement(w, _N + head_name), doc)
        for line in getattr(doc, "lines", []) if line_name else []:
            _fill(etree.SubElement(w, _N + line_name), line)
    _fill(etree.SubElement(root, _N + "BaseTransfer"), msg.transfer)
    etree.indent(root, space="  ")  # before signing: whitespace is part of what is signed
    return root.getroottree()


def message_for(documents: list, transfer: Transfer, *, guid: str | None = None) -> Message:
    kinds = {d.KIND for d in documents}
    if len(kinds) != 1:
        raise ValueError("one message carries documents of one kind")
    return Message(kind=MESSAGE_OF[kinds.pop()], guid=guid or new_guid(), documents=list(documents),
                   transfer=transfer)


def produce(msg: Message, *, sign: bool | None = None) -> bytes:
    """Serialise (and sign: always for CEB621, whose schema requires the signature) and check the
    result against the XSD; a message the hub cannot make valid raises XmlRefused, never leaves."""
    tree = build_tree(msg)
    if sign or (sign is None and msg.kind == "CEB621"):
        from ewtp.customs.xml.sign import sign_tree

        sign_tree(tree)
    problems = schema_violations(tree)
    if problems:
        raise XmlRefused(problems)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def assert_valid(data: bytes) -> None:
    from ewtp.customs.xml.safe import parse_and_validate

    parse_and_validate(data)


__all__ = ["Violation", "XmlRefused", "assert_valid", "build_tree", "fmt_decimal", "message_for", "new_guid",
           "produce"]
