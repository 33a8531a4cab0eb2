"""Parse untrusted XML safely and validate it against the official GACC 2022-05 schema.

Hostile input is refused before lxml sees it where possible: messages are UTF-8 only (the
specification says so; a declared GBK/UTF-16 body or invalid UTF-8 bytes is refused), a DOCTYPE
is never allowed (CEB messages have none, and every entity-expansion and external-entity attack
needs one), and the body is capped in size. The lxml parser itself is also locked down (no
network, no DTD loading, no entity resolution, no huge trees) as a second wall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "gacc-ceb-2022-05"
IMPORT_XSD = SCHEMA_DIR / "import202205.xsd"
CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
# A CEB message carries at most 100 documents of at most 99 lines: a few MB at most.
MAX_BYTES = 8 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_DECL = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


@dataclass(frozen=True)
class Violation:
    """One schema or well-formedness problem: where (line, element path) and what."""

    line: int
    element: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "element": self.element, "message": self.message}

    def __str__(self) -> str:
        return f"line {self.line}: {self.element}: {self.message}"


class XmlRefused(Exception):
    """The XML was not accepted; `violations` says why (never empty)."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations[:5]))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_pis=True, collect_ids=False)


@cache
def schema() -> etree.XMLSchema:
    # The import of xmldsig-core-schema.xsd is resolved next to the file; no network.
    doc = etree.parse(str(IMPORT_XSD), etree.XMLParser(no_network=True, resolve_entities=False))
    return etree.XMLSchema(doc)


def _refuse(message: str, line: int = 1, element: str = "/") -> XmlRefused:
    return XmlRefused([Violation(line, element, message)])


def _check_bytes(data: bytes, max_bytes: int) -> bytes:
    if not isinstance(data, bytes | bytearray):
        raise _refuse("the body must be bytes")
    if len(data) > max_bytes:
        raise _refuse(f"the message is {len(data)} bytes; the limit is {max_bytes}")
    if not data.strip():
        raise _refuse("the message is empty")
    body = bytes(data[3:]) if data.startswith(_BOM) else bytes(data)
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        raise _refuse("the message is not UTF-8 (UTF-16 or UTF-32 detected); GACC messages are UTF-8")
    m = _DECL.match(body.lstrip())
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _refuse(f"encoding {m.group(1).decode('ascii', 'replace')!r} refused; GACC messages are UTF-8")
    try:
        body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise _refuse(f"invalid UTF-8 byte sequence at offset {exc.start}", line=line) from None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        line = body[: max(body.find(b"<!DOCTYPE"), body.find(b"<!ENTITY"))].count(b"\n") + 1
        raise _refuse("a DOCTYPE or ENTITY declaration is not allowed in a customs message", line=line)
    return body


def parse_bytes(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Well-formed, safe XML -> tree; anything else -> XmlRefused with the line."""
    body = _check_bytes(data, max_bytes)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise _refuse(f"not well-formed XML: {exc.msg}", line=line) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:  # belt and braces: the byte check above should have caught it
        raise _refuse("a DOCTYPE is not allowed in a customs message")
    return tree


def schema_violations(tree: etree._ElementTree) -> list[Violation]:
    xsd = schema()
    if xsd.validate(tree):
        return []
    out = []
    for e in xsd.error_log:
        element = e.path or "/"
        out.append(Violation(e.line, element, e.message))
    return out


def parse_and_validate(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """The one entry point for XML coming in: safe parse, then XSD; XmlRefused on any problem."""
    tree = parse_bytes(data, max_bytes=max_bytes)
    problems = schema_violations(tree)
    if problems:
        raise XmlRefused(problems)
    return tree


def message_type(tree: etree._ElementTree) -> str:
    """'CEB311' etc. from the root element (namespace checked)."""
    q = etree.QName(tree.getroot())
    if q.namespace != CEB_NS or not q.localname.endswith("Message"):
        raise _refuse(f"root element {q.text} is not a CEB message")
    return q.localname[: -len("Message")]
