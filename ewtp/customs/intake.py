"""Pushes from the hub's other domains, in process, from plain data.

The same rules as the API apply (who may push what, the schema in China, idempotency, appType):
each function goes through `services.push_documents` with a JSON body. Customs never imports the
domains that call it (market, logistics); they call these functions.

- the marketplace pushes its own orders with the landed-cost quote frozen at checkout
  (`push_hub_orders`), and the inventory list once the waybill is known;
- a payment partner (or the hub's adapter for the SANDBOX provider) pushes the payment;
- a logistics partner pushes the waybill when it creates the shipment (`push_waybill`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ewtp.core import jsontext
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery
from ewtp.core.errors import AppError, Conflict, NotFound
from ewtp.core.orm import chunks
from ewtp.core.parse import MAX_JSON_DEPTH
from ewtp.customs import batch
from ewtp.customs.models import Declaration, TradeDocument
from ewtp.customs.services import Push, PushResult, push_documents, push_many
from ewtp.customs.store import Book
from ewtp.customs.xml.documents import APP_CHANGE, APP_NEW
from ewtp.customs.xml.produce import new_guid

_text = jsontext.encoder(ensure_ascii=False)  # json.dumps(value, ensure_ascii=False)


def _plain(value: Any) -> Any:
    """Decimals become decimal strings (the JSON documents refuse floats)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _body(document: dict) -> bytes:
    return _text(_plain(document)).encode()


_SURROGATE = re.compile("[\ud800-\udfff]")  # UTF-8 cannot encode them: the bytes route fails on them


def _native(value: Any, depth: int = 1) -> bool:
    """Is `value` made only of what a JSON round trip gives back unchanged — dicts with string
    keys, lists, strings UTF-8 can encode, ints, booleans, None (exact types, no floats) — and no
    deeper than `load_json` takes? Then `load_json(json.dumps(value))` == value, and the push may
    skip the round trip: the same checks then see the same value. (A loop over a document's
    fields, not a generator: this walks every document of a batch.)"""
    if depth > MAX_JSON_DEPTH:
        return False
    kind = type(value)
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str or not (k.isascii() or not _SURROGATE.search(k)):
                return False
            t = type(v)
            if t is str:
                if not (v.isascii() or not _SURROGATE.search(v)):
                    return False
            elif not (t is int or t is bool or v is None or _native(v, depth + 1)):
                return False
        return True
    if kind is list:
        return all(_native(v, depth + 1) for v in value)
    if kind is str:
        return value.isascii() or not _SURROGATE.search(value)
    return kind is int or kind is bool or value is None


def _push(document: dict, jurisdiction: str, before: Callable[[Book, str], None] | None = None) -> Push:
    """One in-process push: its decoded JSON value when the round trip is provably a no-op for it,
    else its bytes (a value that is not plain JSON meets exactly what an API body would)."""
    plain = _plain(document)
    if _native(plain):
        return Push(b"", jurisdiction, before, data=plain, plain=True)  # _native admits no float
    return Push(_text(plain).encode(), jurisdiction, before)


def push_json(actor: Actor, kind: str, document: dict, *, jurisdiction: str = "CN") -> PushResult:
    """One document as a dict with the official camelCase field names (amounts Decimal or str)."""
    [result] = push_documents(actor, kind, _body(document), "application/json", jurisdiction)
    return result


def one_book():
    """A block whose batches of pushes share what they read of customs (`customs.batch.one_book`:
    inside the caller's transaction only; elsewhere each batch reads its own)."""
    return batch.one_book()


Redo = batch.Redo
# what sends a `together` block's batches again, one batch at a time (there a refusal or failure
# is met as it always was)
AGAIN: tuple[type[Exception], ...] = (batch.Redo, AppError, DatabaseError)


def together():
    """Inside `one_book`: the batches pushed inside write the parcels' rows once, at the end, or
    raise Redo (rolled back) for the caller to push them again (`customs.batch.together`)."""
    return batch.together()


def push_json_many(actor: Actor, kind: str, documents: list[tuple[dict, str]]) -> list[PushResult | AppError]:
    """[(document, jurisdiction)] of one kind by one party, each as `push_json` would push it; a
    refused one gives its error in its place and the others go on (`services.push_many`)."""
    return push_many(actor, kind, [_push(doc, jurisdiction) for doc, jurisdiction in documents])


def _attach_quote(book: Book, order_no: str, jurisdiction: str, landed_cost: dict, seller_org_id: int | None) -> None:
    parcel = book.parcel(order_no, jurisdiction)
    if parcel.landed_cost != landed_cost or parcel.seller_id != seller_org_id:
        if book.declaration(order_no) is not None:
            raise Conflict(f"order {parcel.order_no} is declared: its quote can no longer change")
        parcel.landed_cost, parcel.seller_id = landed_cost, seller_org_id
        book.save_parcel(parcel, ["landed_cost", "seller"])


@dataclass(frozen=True)
class HubOrder:
    document: dict
    jurisdiction: str
    landed_cost: dict
    seller_org_id: int | None = None


def push_hub_orders(actor: Actor, orders: list[HubOrder]) -> list[PushResult | AppError]:
    """The hub's own orders: each order document with its frozen quote, in its own
    savepoint (a refused one gives its error in its place)."""
    return push_many(actor, "order", [
        _push(o.document, o.jurisdiction,
              before=lambda book, no, o=o: _attach_quote(book, no, o.jurisdiction, o.landed_cost, o.seller_org_id))
        for o in orders])


def push_waybill(actor: Actor, order_no: str, *, logistics_code: str, logistics_name: str, logistics_no: str,
                 weight: Decimal, consignee: str | None = None, consignee_address: str | None = None,
                 consignee_telephone: str | None = None, freight: Decimal | None = None, insured_fee: Decimal | None = None, change: bool = False,
                 note: str | None = None) -> PushResult:
    """The waybill of a parcel, pushed by its logistics partner (actor: role logistics_partner,
    acting for the partner organisation, no user session). The jurisdiction and the currency
    are the order document's (push the order first); so is the consignee unless given (the
    partner ships to the address the platform gave it). `change=True` replaces an earlier waybill
    (appType 2); the same waybill again changes nothing."""
    order = (TradeDocument.objects.filter(order_no=order_no, kind=TradeDocument.ORDER, current=True)
             .values("fields", "jurisdiction").first())
    if order is None:
        raise NotFound(f"no order document for {order_no}: the waybill follows the order")
    existing = current_fields(order_no, TradeDocument.WAYBILL)
    ordered = order["fields"]
    doc = {
        "guid": existing["guid"] if existing and not change else new_guid(),
        "appType": APP_CHANGE if change else APP_NEW,
        "appTime": existing["appTime"] if existing and not change else timezone.now().strftime("%Y%m%d%H%M%S"),
        "appStatus": "2", "logisticsCode": logistics_code, "logisticsName": logistics_name,
        "logisticsNo": logistics_no, "orderNo": order_no, "freight": freight, "insuredFee": insured_fee,
        "currency": ordered["currency"], "weight": weight, "packNo": 1,
        "consignee": ordered["consignee"] if consignee is None else consignee,
        "consigneeAddress": ordered["consigneeAddress"] if consignee_address is None else consignee_address,
        "consigneeTelephone": ordered["consigneeTelephone"] if consignee_telephone is None else consignee_telephone,
        "note": note,
    }
    return push_json(actor, "waybill", doc, jurisdiction=order["jurisdiction"])


def current_fields(order_no: str, kind: str) -> dict | None:
    """The current version of one document, as stored (official camelCase names)."""
    return next((d.fields for d in _current(order_no, kind)), None)


def current_many(order_nos: list[str], kind: str) -> dict[str, tuple[dict, str]]:
    """{orderNo: (fields, jurisdiction)} of the current documents of one kind, as stored: those an
    open `one_book` block's book holds (pushed in this transaction, mostly) are not read and
    decoded again."""
    book, out, rest = batch.open_book(), {}, []
    for no in dict.fromkeys(order_nos):
        held = book.stored_current(no, kind) if book is not None else None
        if held is not None:
            out[no] = held
        else:
            rest.append(no)
    out.update((no, (fields, jurisdiction)) for no, fields, jurisdiction in _stored(rest, kind, "fields", "jurisdiction"))
    return out


def holding(order_nos: list[str], kind: str) -> set[str]:
    """Those of the orders with a current document of this kind."""
    return {no for no, in _stored(sorted(set(order_nos)), kind)}


def _stored(order_nos: list[str], kind: str, *columns: str) -> Iterator[tuple]:
    # (orderNo, *columns) of the current documents, one query per 500 orders
    for part in chunks(order_nos):
        yield from TradeDocument.objects.filter(kind=kind, current=True, order_no__in=part).values_list("order_no",
                                                                                                        *columns)


# as .values_list("fields").first(): the first by primary key; compiled once (every new shipment asks)
_current = CompiledQuery(lambda no, kind: TradeDocument.objects.filter(order_no=no, kind=kind, current=True)
                         .order_by("pk").only("fields")[:1], texts=(0, 1))


def has_current(kind: str, order_no: str = "reference") -> Exists:
    """The outer row (its `order_no` field) has a current document of this kind: a correlated test,
    so a poll that starts from a few orders looks up only theirs (an `IN (subquery)` would read
    every document ever pushed on each poll)."""
    return Exists(TradeDocument.objects.filter(kind=kind, current=True, order_no=OuterRef(order_no)))


def declared_as(status: str, order_no: str = "reference") -> Exists:
    """The outer row's declaration is in this status (e.g. declarations.RELEASED); correlated, as
    `has_current`."""
    return Exists(Declaration.objects.filter(status=status, parcel__order_no=OuterRef(order_no)))
