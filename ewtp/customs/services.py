"""Customs use cases: documents pushed by the responsible party, the parcel re-matched on every
arrival, declarations built from matched parcels, risk rules edited by the operator. Each public
function is one transaction with its audit entries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from ewtp.core import audit, jsontext
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.parse import load_json
from ewtp.core.permissions import require_access, require_role
from ewtp.customs import batch, declarations, risk, schema_check, store
from ewtp.customs.jsondocs import from_json, from_json_stored, to_json
from ewtp.customs.models import Declaration, Parcel, RiskRule, TradeDocument
from ewtp.customs.store import Book
from ewtp.customs.xml.documents import MESSAGE_OF
from ewtp.customs.xml.parse import parse_message
from ewtp.customs.xml.produce import message_for, produce
from ewtp.customs.xml.safe import XmlRefused

# who is responsible for which document (GACC 2018 No.194): nobody else may push it
PUSHERS = {
    TradeDocument.ORDER: {Role.HUB_OPERATOR, Role.SELLER},
    TradeDocument.INVENTORY: {Role.HUB_OPERATOR, Role.SELLER},
    TradeDocument.PAYMENT: {Role.PAYMENT_PARTNER},
    TradeDocument.WAYBILL: {Role.LOGISTICS_PARTNER},
}
TOKEN_ONLY = {TradeDocument.PAYMENT, TradeDocument.WAYBILL}  # machine-to-machine, per partner token
HUB_TRANSFER = schema_check.HUB_TRANSFER
JURISDICTION = re.compile("[A-Z]{2}")


@dataclass(frozen=True)
class PushResult:
    kind: str
    order_no: str
    version: int
    outcome: str  # stored | replaced | deleted | unchanged
    parcel: Parcel


def _refused(exc: XmlRefused) -> ValidationFailed:
    return ValidationFailed("the message does not pass the GACC 2022-05 schema",
                            fields={"xml": [str(v) for v in exc.violations[:50]]})


def decode_body(kind: str, body: bytes, content_type: str, jurisdiction: str = "CN") -> tuple[list, str, str]:
    """-> (typed documents, format, raw XML or ""); 422 listing the violations when invalid.
    Outside China the documents are JSON with the same fields in ISO codes: the CEB schema (which
    fixes the currency to CNY) is China's, so only the typed field checks apply there."""
    is_xml = "xml" in (content_type or "").lower()
    if is_xml and jurisdiction != "CN":
        raise ValidationFailed.field("body", "the CEB XML messages are China's; other jurisdictions take JSON")
    if is_xml:
        try:
            msg = parse_message(body, expect=kind)
        except XmlRefused as exc:
            raise _refused(exc) from None
        return msg.documents, TradeDocument.XML, body.decode("utf-8-sig") if len(msg.documents) == 1 else ""
    try:
        data = load_json(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.field("body", f"not valid JSON: {exc} (or send the CEB XML with Content-Type: "
                                             "application/xml)") from None
    return decode_data(kind, data, jurisdiction)


def decode_data(kind: str, data: object, jurisdiction: str = "CN", *, schema: bool = True,
                plain: bool = False) -> tuple[list, str, str]:
    """The JSON branch of `decode_body` from an already-decoded JSON value (an in-process push:
    the same checks, without serialising the document to bytes and parsing it back).
    `schema=False`: the caller checks China's documents against the schema itself (a batch).
    `plain=True`: `data` is known to hold no float (`Push.plain`), so there is nothing to refuse."""
    doc = from_json(kind, data if plain else _floats_refused(data))
    if jurisdiction != "CN" or not schema:
        return [doc], TradeDocument.JSON, ""
    refused = schema_check.refusal(doc)  # the same schema as XML pushes: serialise and validate
    if refused is not None:
        raise refused
    return [doc], TradeDocument.JSON, ""


def _floats_refused(data):
    if isinstance(data, float):
        raise ValidationFailed.field("body", "amounts are decimal strings (\"12.50\"), not JSON floats")
    if isinstance(data, dict):
        return {k: _floats_refused(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_floats_refused(v) for v in data]
    return data


_sorted_text = jsontext.encoder(sort_keys=True, ensure_ascii=False)  # json.dumps(sort_keys=True, ensure_ascii=False)


def _digest(content: dict) -> str:
    """Of the document as `to_json` gives it (the fields stored): computed once for both."""
    return hashlib.sha256(_sorted_text(content).encode()).hexdigest()


def _check_pusher(actor: Actor, kind: str) -> None:
    if kind not in PUSHERS:
        raise NotFound(f"no document kind {kind!r}")
    if actor.role not in PUSHERS[kind]:
        raise Forbidden(f"a {kind} is pushed only by: {', '.join(sorted(PUSHERS[kind]))}")
    if kind in TOKEN_ONLY and actor.user_id is not None:
        # a partner's system pushes (its API token, or the hub's in-process adapter for it)
        raise Forbidden(f"a {kind} is pushed by the partner's system with its API token, not from a session")


def _check_jurisdiction(jurisdiction: str) -> None:
    if not JURISDICTION.fullmatch(jurisdiction or ""):
        raise ValidationFailed.field("jurisdiction", "an ISO 3166 alpha-2 country code such as CN or DE")


def push_documents(actor: Actor, kind: str, body: bytes, content_type: str = "application/json",
                   jurisdiction: str = "CN") -> list[PushResult]:
    """Store the documents of one push (a CEB message may carry up to 100) and re-match their
    parcels. Idempotent: the same document again changes nothing. appType 1 for a document that
    exists is a conflict; appType 2 replaces it; appType 3 withdraws it. `jurisdiction`: the
    destination country whose customs clear the parcel (CN: China's single window)."""
    if kind not in PUSHERS:
        raise NotFound(f"no document kind {kind!r}")
    _check_jurisdiction(jurisdiction)
    _check_pusher(actor, kind)
    docs, fmt, raw = decode_body(kind, body, content_type, jurisdiction)
    org_id = next(iter(sorted(actor.org_ids)), None)
    results = []
    try:
        with transaction.atomic():
            book = batch.book()  # an open `one_book` block's, so that it sees these writes too
            book.load(d.order_no for d in docs)
            for doc in docs:
                results.append(_store(book, actor, kind, doc, fmt, raw, org_id, jurisdiction))
    except BaseException as exc:
        batch.drop_book()
        if batch.in_together() and isinstance(exc, Exception):  # the whole block goes again
            raise batch.Redo from exc
        raise
    return results


@dataclass(frozen=True)
class Push:
    """One document of a batch: its JSON body, its jurisdiction, and optionally a step to run on
    its parcel first, in the same savepoint (the hub's orders attach their frozen quote)."""

    body: bytes
    jurisdiction: str
    before: Callable[[Book, str], None] | None = None
    # an in-process push may give its JSON value already decoded (`intake._push`, only for values
    # a bytes round trip gives back unchanged): it then skips that round trip
    data: object = None
    plain: bool = False  # `data` holds only dicts, lists, strings, ints, booleans and None (no float)


def push_many(actor: Actor, kind: str, pushes: Sequence[Push]) -> list[PushResult | AppError]:
    """A batch of single-document JSON pushes of one kind by one party, as `push_documents` does
    them one by one — same checks, same audit entries, same order — but reading the parcels'
    state in a few queries for the whole batch. Each push is as its own savepoint: a refused one
    (its error in its place in the answer) changes nothing and the others go on. A batch of
    distinct orders first takes the fast path (`customs.batch`: the same rows in fewer
    statements); what that path cannot reproduce exactly rolls it back for the one-by-one path."""
    _check_pusher(actor, kind)
    org_id = next(iter(sorted(actor.org_ids)), None)
    decoded: list[tuple[object, str, dict | None, str] | AppError] = []
    for p in pushes:
        try:
            _check_jurisdiction(p.jurisdiction)
            if p.data is None:
                [doc], fmt, _ = decode_body(kind, p.body, "application/json", p.jurisdiction)
                decoded.append((doc, fmt, None, ""))
            else:  # as decode_data(schema=False), its stored fields made as it is read (China's schema: below)
                doc, fields = from_json_stored(kind, p.data if p.plain else _floats_refused(p.data))
                decoded.append((doc, TradeDocument.JSON, fields, ""))
        except AppError as err:
            decoded.append(err)
    # China's in-process documents meet the schema together, in messages of up to 100 (the last check)
    china = [i for i, (p, d) in enumerate(zip(pushes, decoded, strict=True))
             if p.data is not None and p.jurisdiction == "CN" and not isinstance(d, AppError)]
    for i, refused in zip(china, schema_check.refusals([decoded[i][0] for i in china]), strict=True):
        if refused is not None:
            decoded[i] = refused
    for i, d in enumerate(decoded):
        if not isinstance(d, AppError):
            fields = to_json(d[0]) if d[2] is None else d[2]
            decoded[i] = (d[0], d[1], fields, _digest(fields))
    order_nos = [d[0].order_no for d in decoded if not isinstance(d, AppError)]
    try:
        return _push_many(actor, kind, pushes, decoded, org_id, order_nos)
    except BaseException:
        batch.drop_book()  # rolled back: a shared book may hold what is gone
        raise


def _push_many(actor: Actor, kind: str, pushes: Sequence[Push], decoded: list, org_id: int | None,
               order_nos: list[str]) -> list[PushResult | AppError]:
    with transaction.atomic():
        book = batch.book()
        # China's buyers of the batch: whether they have declarations is asked once for all
        book.buyers.update(d[0].buyer_id_number for p, d in zip(pushes, decoded, strict=True)
                           if kind == TradeDocument.ORDER and p.jurisdiction == "CN" and not isinstance(d, AppError))
        if len(set(order_nos)) == len(order_nos):
            book.load(order_nos)
            try:
                with transaction.atomic():
                    return batch.fast_pushes(book, actor, kind, list(zip(pushes, decoded, strict=True)), org_id,
                                             _result)
            except (AppError, batch.Redo, DatabaseError) as exc:
                if batch.in_together():  # the whole block goes again, batch by batch
                    raise batch.Redo from exc
                # rolled back: the one-by-one path decides (and meets the same error in its place)
                book = batch.drop_book()
        if batch.in_together():
            raise batch.Redo("one order twice in a batch")
        book.load(order_nos)
        results: list[PushResult | AppError] = []
        for p, d in zip(pushes, decoded, strict=True):
            if isinstance(d, AppError):
                results.append(d)
                continue
            doc, fmt, fields, digest = d
            try:
                with transaction.atomic():
                    if p.before is not None:
                        p.before(book, doc.order_no)
                    results.append(_result(kind, doc, *store.store(book, actor, kind, doc, fmt, "", org_id,
                                                                   p.jurisdiction, digest, fields)))
            except AppError as err:
                book.forget(doc.order_no)
                results.append(err)
    return results


def _result(kind: str, doc, version: int, outcome: str, parcel: Parcel) -> PushResult:
    return PushResult(kind, doc.order_no, version, outcome, parcel)


def _store(book: Book, actor: Actor, kind: str, doc, fmt: str, raw: str, org_id: int | None,
           jurisdiction: str) -> PushResult:
    fields = to_json(doc)
    return _result(kind, doc, *store.store(book, actor, kind, doc, fmt, raw, org_id, jurisdiction, _digest(fields),
                                           fields))


def current_documents(order_no: str) -> dict:
    """{kind: typed document} for the current version of each document of a parcel."""
    rows = TradeDocument.objects.filter(order_no=order_no, current=True)
    return {r.kind: from_json(r.kind, r.fields) for r in rows}


def get_parcel(actor: Actor, order_no: str) -> Parcel:
    parcel = Parcel.objects.filter(order_no=order_no).first()
    if parcel is None:
        raise NotFound("Parcel not found")
    require_access(actor, parcel)
    return parcel


def visible_declarations(actor: Actor) -> QuerySet[Declaration]:
    """The declarations an officer may see: their jurisdiction's (the hub operator: every one)."""
    require_role(actor, [Role.CUSTOMS_OFFICER])
    qs = Declaration.objects.all()
    return qs if actor.is_operator else qs.filter(jurisdiction=actor.jurisdiction)


def officer_queue(actor: Actor, *, limit: int = 200) -> tuple[list[Parcel], list[Declaration]]:
    """Unmatched parcels with their discrepancies, and declarations waiting for an officer."""
    decls = visible_declarations(actor).filter(status__in=[declarations.REVIEW, declarations.INSPECTION,
                                                           declarations.HELD, declarations.CONCLUDED])
    parcels = Parcel.objects.filter(status=Parcel.DISCREPANCIES)
    if not actor.is_operator:
        parcels = parcels.filter(jurisdiction=actor.jurisdiction)
    return (list(parcels.order_by("-checked_at")[:limit]),
            list(decls.select_related("parcel").order_by("created_at")[:limit]))


def messages_for_parcel(order_no: str) -> dict[str, bytes]:
    """The CEB messages for one parcel, each checked against the XSD (CEB621 signed)."""
    docs = current_documents(order_no)
    missing = [k for k in MESSAGE_OF if k not in docs]
    if missing:
        raise Conflict(f"order {order_no} has no {', '.join(missing)} yet")
    return {MESSAGE_OF[k]: produce(message_for([docs[k]], HUB_TRANSFER)) for k in MESSAGE_OF}


# -- risk rules ---------------------------------------------------------------------------------

def save_risk_rule(actor: Actor, *, kind: str, lane: str, params: dict, active: bool = True, note: str = "",
                   jurisdiction: str | None = None, rule_id: int | None = None) -> RiskRule:
    """Create (or with `rule_id` update) a rule; a new rule's jurisdiction defaults to CN, an
    updated one keeps its own unless another is given."""
    require_role(actor, [Role.HUB_OPERATOR])
    risk.validate_rule(kind, lane, params)
    if jurisdiction is not None and not (len(jurisdiction) == 2 and jurisdiction.isascii() and jurisdiction.isalpha()):
        raise ValidationFailed.field("jurisdiction", "a two-letter country code")
    if len(note) > RiskRule._meta.get_field("note").max_length:
        raise ValidationFailed.field("note", "at most 200 characters")
    with transaction.atomic():
        rule = RiskRule.objects.select_for_update().filter(pk=rule_id).first() if rule_id else RiskRule()
        if rule is None:
            raise NotFound("RiskRule not found")
        before = ({"kind": rule.kind, "lane": rule.lane, "params": rule.params, "active": rule.active}
                  if rule.pk else None)
        rule.kind, rule.lane, rule.params, rule.active, rule.note = kind, lane, params, active, note
        if jurisdiction is not None or not rule.pk:
            rule.jurisdiction = (jurisdiction or "CN").upper()
        rule.save()
        audit.record(actor, "customs.risk_rule.saved", rule, before=before,
                     after={"kind": kind, "lane": lane, "params": params, "active": active})
    return rule
