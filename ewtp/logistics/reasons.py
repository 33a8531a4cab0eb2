"""The reasons the carriers' code tables give for an exception or a hold (data/codes/*.csv), marked
for translation: a buyer reads them in their own language. A test keeps this list and the code
tables in step."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

REASONS = frozenset({
    gettext_noop("bad address"),
    gettext_noop("broker notified"),
    gettext_noop("clearance delay (customs)"),
    gettext_noop("clearance delay (documents or information needed)"),
    gettext_noop("customs status updated"),
    gettext_noop("damaged"),
    gettext_noop("delivered damaged"),
    gettext_noop("delivery agreed with the receiver"),
    gettext_noop("delivery attempt unsuccessful"),
    gettext_noop("destroyed or disposed of"),
    gettext_noop("export cancelled"),
    gettext_noop("export customs released the item"),
    gettext_noop("forwarded to a third party"),
    gettext_noop("held at a bonded location"),
    gettext_noop("held at delivery office"),
    gettext_noop("held at export customs"),
    gettext_noop("held at inward office of exchange"),
    gettext_noop("held at outward office of exchange"),
    gettext_noop("held by customs"),
    gettext_noop("held for payment of duties and taxes"),
    gettext_noop("hold released"),
    gettext_noop("import customs released the item"),
    gettext_noop("in clearance processing"),
    gettext_noop("inspected"),
    gettext_noop("mis-sorted"),
    gettext_noop("miscoded"),
    gettext_noop("missed delivery cycle"),
    gettext_noop("missing"),
    gettext_noop("not arrived"),
    gettext_noop("on hold"),
    gettext_noop("partial delivery"),
    gettext_noop("premises closed on arrival"),
    gettext_noop("presented to export customs"),
    gettext_noop("presented to import customs"),
    gettext_noop("receiver has moved"),
    gettext_noop("receiver not at home"),
    gettext_noop("receiver refused delivery"),
    gettext_noop("returned to the shipper"),
    gettext_noop("service changed"),
    gettext_noop("shipment on hold"),
    gettext_noop("shipment stopped"),
    gettext_noop("transport delay"),
    gettext_noop("waiting at a collection point"),
    gettext_noop("waiting for collection by the receiver"),
})


def reason_label(reason: str) -> str:
    """The reason in the active language (an unknown one as it came)."""
    return gettext(reason) if reason in REASONS else reason
