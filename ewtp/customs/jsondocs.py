"""Typed documents <-> JSON with the official camelCase field names (amounts as decimal strings).

JSON pushes are turned into typed documents here, then serialised to CEB XML and checked against
the same XSD as XML pushes, so both routes obey one set of rules."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from ewtp.core.errors import ValidationFailed
from ewtp.customs.xml.documents import Inventory, InventoryLine, Order, OrderLine, Payment, Waybill, spec
from ewtp.customs.xml.produce import fmt_decimal

CLASSES: dict[str, tuple[type, type | None]] = {
    "order": (Order, OrderLine), "payment": (Payment, None), "waybill": (Waybill, None),
    "inventory": (Inventory, InventoryLine),
}
MAX_LINES = 99
# characters XML 1.0 cannot carry: lxml would refuse them, so refuse them here, naming the field
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _amount(d: Decimal) -> Decimal:
    """decimal(19,5), never negative, never rounded behind the sender's back."""
    if not d.is_finite():
        raise ValueError("not a finite amount")
    if d < 0:
        raise ValueError("must not be negative")
    if d.as_tuple().exponent < -5:
        raise ValueError("at most 5 decimals")
    if d != 0 and d.adjusted() >= 14:
        raise ValueError("at most 14 digits before the decimal point")
    return d


def to_json(doc: Any) -> dict:
    out: dict[str, Any] = {}
    for attr, xml_name, scalar in spec(type(doc)):
        value = getattr(doc, attr)
        out[xml_name] = fmt_decimal(value) if scalar is Decimal and value is not None else value
    if hasattr(doc, "lines"):
        out["lines"] = [to_json(li) for li in doc.lines]
    return out


@cache
def _shape(cls: type) -> tuple[dict[str, tuple[str, type]], frozenset[str], frozenset[str], dict[str, Any]]:
    """(known {xml name: (attribute, scalar)}, allowed keys, required attributes, {xml name: the
    value `to_json` writes for the field's default}) of a class: fixed per class, and working them
    out per field of every document was most of a parse."""
    fields = dataclasses.fields(cls)
    known = {xml: (attr, scalar) for attr, xml, scalar in spec(cls)}
    allowed = frozenset(known) | ({"lines"} if any(f.name == "lines" for f in fields) else frozenset())
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    defaults = {f.name: f.default for f in fields}
    written = {xml: _written(scalar, defaults.get(attr)) for xml, (attr, scalar) in known.items()
               if attr not in required}
    return known, allowed, required, written


def _written(scalar: type, default: Any) -> Any:
    return fmt_decimal(default) if scalar is Decimal and default is not None else default


def _convert(cls: type, data: Any, where: str, out: dict | None = None) -> Any:
    """The typed document of `data`; `out`: filled with `to_json` of it, field by field (the
    amounts as written, which is also how they are kept: `stored_form`'s form)."""
    if not isinstance(data, dict):
        raise ValidationFailed.field(where or "body", "must be an object")
    known, allowed, required, written = _shape(cls)
    extra = sorted(set(data) - allowed)
    errors: dict[str, list[str]] = {f"{where}{k}": ["unknown field"] for k in extra}
    values: dict[str, Any] = {}
    for xml_name, (attr, scalar) in known.items():
        raw = data.get(xml_name)  # missing or null: the same
        if raw is None:
            if attr in required:
                errors[f"{where}{xml_name}"] = ["required"]
            elif out is not None:
                out[xml_name] = written[xml_name]  # the default, as `to_json` writes it
            continue
        try:
            if scalar is Decimal:
                if isinstance(raw, bool) or not isinstance(raw, str | int):
                    raise ValueError("an amount is a decimal string such as \"12.50\" (no floats)")
                # checked as sent, kept as written (12.50 -> 12.5: what the stored fields give back)
                text = fmt_decimal(_amount(Decimal(str(raw))))
                values[attr] = Decimal(text)
                if out is not None:
                    out[xml_name] = text
                continue
            elif scalar is int:
                if isinstance(raw, bool) or not isinstance(raw, int | str):
                    raise ValueError("must be an integer")
                values[attr] = int(raw)
            else:
                if not isinstance(raw, str | int) or isinstance(raw, bool):
                    raise ValueError("must be a string")
                text = str(raw)
                # every character _NOT_XML names is a control, surrogate or non-character, none
                # of them printable: most values are, and skip the search
                if not text.isprintable() and _NOT_XML.search(text):
                    raise ValueError("contains control characters that XML cannot carry")
                values[attr] = text
            if out is not None:
                out[xml_name] = values[attr]
        except (ValueError, InvalidOperation) as exc:
            errors[f"{where}{xml_name}"] = [str(exc) if str(exc) else "invalid value"]
    if errors:
        raise ValidationFailed("the document has invalid fields", fields=errors)
    return cls(**values)


def from_json(kind: str, data: Any) -> Any:
    """A JSON document (official camelCase names; order/inventory lines under "lines") -> typed,
    its amounts as its stored fields give them back (`stored_form`: 12.50 is 12.5)."""
    return _from_json(kind, data, None)


def from_json_stored(kind: str, data: Any) -> tuple[Any, dict]:
    """(`from_json(kind, data)`, `to_json` of it) in one pass: the typed document is its own stored
    form, and its fields are made as it is checked."""
    fields: dict[str, Any] = {}
    return _from_json(kind, data, fields), fields


def _from_json(kind: str, data: Any, out: dict | None) -> Any:
    if kind not in CLASSES:
        raise ValidationFailed.field("kind", f"one of {', '.join(CLASSES)}")
    head_cls, line_cls = CLASSES[kind]
    fields: dict[str, Any] | None = None if out is None else {}
    doc = _convert(head_cls, data, "", fields)
    if out is not None:  # in spec order, as `to_json` (a field's place does not follow the data's)
        out.update((xml, fields[xml]) for _, xml, _ in spec(head_cls))
    if line_cls is not None:
        lines = data.get("lines")
        if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
            raise ValidationFailed.field("lines", f"a list of 1 to {MAX_LINES} lines")
        doc.lines = [_convert(line_cls, li, f"lines[{n}].") for n, li in enumerate(lines)] if out is None else \
            [_line(line_cls, li, n) for n, li in enumerate(lines)]
        if out is not None:
            out["lines"] = [f for _, f in doc.lines]
            doc.lines = [li for li, _ in doc.lines]
    return doc


def _line(cls: type, data: Any, n: int) -> tuple[Any, dict]:
    fields: dict[str, Any] = {}
    line = _convert(cls, data, f"lines[{n}].", fields)
    return line, {xml: fields[xml] for _, xml, _ in spec(cls)}


class _Unusual(Exception):
    """A value `stored_form` does not reproduce: take the round trip."""


@cache
def _plan(cls: type) -> tuple[tuple[str, type, bool], ...]:
    """(attribute, scalar, whether None is the default) per field of a class, in spec order."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    return tuple((attr, scalar, defaults.get(attr) is None) for attr, _, scalar in spec(cls))


def _stored(doc: Any) -> Any:
    values: dict[str, Any] = {}
    for attr, scalar, none_default in _plan(type(doc)):
        value = getattr(doc, attr)
        if value is None:
            if not none_default:  # the round trip gives the default back, not None
                raise _Unusual
            continue
        if scalar is Decimal:
            if type(value) is not Decimal:
                raise _Unusual
            values[attr] = Decimal(fmt_decimal(value))  # as `to_json` writes it, as `from_json` reads it
        elif type(value) is not (int if scalar is int else str):
            raise _Unusual
        else:
            values[attr] = value
    out = type(doc)(**values)
    if hasattr(doc, "lines"):
        out.lines = [_stored(li) for li in doc.lines]
    return out


def stored_form(kind: str, doc: Any) -> Any:
    """`from_json(kind, to_json(doc))` — the document as its stored fields give it back (amounts
    as `to_json` writes them: 12.50 comes back 12.5) — without the field checks `doc` passed
    already: each amount re-read from its written form, other values kept. Anything else (a
    None where the default is not, a value of another type) takes the round trip itself."""
    try:
        lines = getattr(doc, "lines", None)
        if lines is not None and not 1 <= len(lines) <= MAX_LINES:
            raise _Unusual
        return _stored(doc)
    except _Unusual:
        return from_json(kind, to_json(doc))
