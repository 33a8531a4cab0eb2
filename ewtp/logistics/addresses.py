"""Shipment addresses are JSON (name, phone, lines or line1/line2, city, postcode, country);
one way to print them for labels, forms and manifests."""

from __future__ import annotations


def street_lines(addr: dict) -> list[str]:
    lines = addr.get("lines")
    if isinstance(lines, list):
        return [str(x) for x in lines if str(x).strip()]
    return [str(addr[k]) for k in ("line1", "line2", "line3") if str(addr.get(k, "")).strip()]


def address_lines(addr: dict) -> list[str]:
    """Name, street lines, postcode + city, country code: as printed on a label."""
    town = " ".join(str(addr.get(k, "")).strip() for k in ("postcode", "city") if str(addr.get(k, "")).strip())
    out = [str(addr.get("name", "")).strip(), *street_lines(addr), town, str(addr.get("country", "")).upper()]
    return [x for x in out if x]


def one_line(addr: dict) -> str:
    return ", ".join(address_lines(addr)[1:])
