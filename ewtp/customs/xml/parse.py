"""Validated CEB XML -> typed documents (Order, Payment, Waybill, Inventory)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import cache

from lxml import etree

from ewtp.customs.xml.documents import (
    KIND_OF,
    Inventory,
    InventoryLine,
    Message,
    Order,
    OrderLine,
    Payment,
    Transfer,
    Waybill,
    spec,
)
from ewtp.customs.xml.safe import CEB_NS, DS_NS, MAX_BYTES, message_type, parse_and_validate

_N = "{" + CEB_NS + "}"
# message type -> (document wrapper element, head element, head class, line element, line class)
LAYOUT = {
    "CEB311": ("Order", "OrderHead", Order, "OrderList", OrderLine),
    "CEB411": ("Payment", "PaymentHead", Payment, None, None),
    "CEB511": ("Logistics", "LogisticsHead", Waybill, None, None),
    "CEB621": ("Inventory", "InventoryHead", Inventory, "InventoryList", InventoryLine),
}


def _build(cls: type, el: etree._Element) -> object:
    # one pass over the children (the schema allows each element once), not one find() per field
    texts = {child.tag: child.text for child in el}
    optional = _optional(cls)
    values: dict = {}
    for attr, xml_name, scalar in spec(cls):
        tag = _N + xml_name
        if tag not in texts:
            continue
        text = (texts[tag] or "").strip()
        if scalar is Decimal:
            values[attr] = Decimal(text) if text else None
        elif scalar is int:
            values[attr] = int(text)
        else:
            # an empty optional element (<ceb:note></ceb:note>) is the same as an absent one
            values[attr] = text if text or attr not in optional else None
    return cls(**values)


@cache
def _optional(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.default is None)


def from_tree(tree: etree._ElementTree) -> Message:
    """A schema-valid tree -> Message (the caller validated it: see parse_and_validate)."""
    kind = message_type(tree)
    if kind not in LAYOUT:
        raise ValueError(f"{kind} is not one of the trade documents {sorted(LAYOUT)}")
    wrapper, head_name, head_cls, line_name, line_cls = LAYOUT[kind]
    root = tree.getroot()
    docs = []
    for w in root.iterchildren(_N + wrapper):
        doc = _build(head_cls, w.find(_N + head_name))
        if line_name:
            doc.lines = [_build(line_cls, li) for li in w.iterchildren(_N + line_name)]
        docs.append(doc)
    transfer = _build(Transfer, root.find(_N + "BaseTransfer"))
    signed = root.find("{" + DS_NS + "}Signature") is not None
    return Message(kind=kind, guid=root.get("guid"), version=root.get("version"), documents=docs,
                   transfer=transfer, signed=signed)


def parse_message(data: bytes, *, max_bytes: int = MAX_BYTES, expect: str | None = None) -> Message:
    """Untrusted bytes -> Message; XmlRefused (with line and element) if unsafe or schema-invalid.
    `expect` ('CEB311', 'order', ...) refuses a valid message of another kind."""
    tree = parse_and_validate(data, max_bytes=max_bytes)
    msg = from_tree(tree)
    if expect and msg.kind != expect and KIND_OF.get(msg.kind) != expect:
        from ewtp.customs.xml.safe import Violation, XmlRefused

        raise XmlRefused([Violation(tree.getroot().sourceline or 1, f"/ceb:{msg.kind}Message",
                                    f"expected a {expect} message, got {msg.kind}")])
    return msg
