"""Customs use cases: documents pushed by the responsible party, the parcel re-matched on every
arrival, declarations built from matched parcels, risk rules edited by the operator. Each public
function is one transaction with its audit entries."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.permissions import require_access, require_role
from ewtp.customs import declarations, risk
from ewtp.customs.jsondocs import from_json, to_json
from ewtp.customs.models import Declaration, Parcel, RiskRule, TradeDocument
from ewtp.customs.reconciliation import reconcile
from ewtp.customs.xml.documents import APP_CHANGE, APP_DELETE, APP_NEW, MESSAGE_OF, Transfer
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
HUB_TRANSFER = Transfer(cop_code="EWTPHUB", cop_name="eWTP hub", dxp_id="EWTPHUB")
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
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.field("body", "not valid JSON (or send the CEB XML with Content-Type: "
                                             "application/xml)") from None
    doc = from_json(kind, _floats_refused(data))
    if jurisdiction != "CN":
        return [doc], TradeDocument.JSON, ""
    try:  # the same schema as XML pushes: serialise and validate
        produce(message_for([doc], HUB_TRANSFER))  # CEB621 gets the hub signature its schema requires
    except XmlRefused as exc:
        raise ValidationFailed("the document breaks the GACC 2022-05 schema",
                               fields={v.element.rsplit(":", 1)[-1]: [v.message] for v in exc.violations}) from None
    return [doc], TradeDocument.JSON, ""


def _floats_refused(data):
    if isinstance(data, float):
        raise ValidationFailed.field("body", "amounts are decimal strings (\"12.50\"), not JSON floats")
    if isinstance(data, dict):
        return {k: _floats_refused(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_floats_refused(v) for v in data]
    return data


def _digest(doc) -> str:
    content = to_json(doc)
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def push_documents(actor: Actor, kind: str, body: bytes, content_type: str = "application/json",
                   jurisdiction: str = "CN") -> list[PushResult]:
    """Store the documents of one push (a CEB message may carry up to 100) and re-match their
    parcels. Idempotent: the same document again changes nothing. appType 1 for a document that
    exists is a conflict; appType 2 replaces it; appType 3 withdraws it. `jurisdiction`: the
    destination country whose customs clear the parcel (CN: China's single window)."""
    if kind not in PUSHERS:
        raise NotFound(f"no document kind {kind!r}")
    if not JURISDICTION.fullmatch(jurisdiction or ""):
        raise ValidationFailed.field("jurisdiction", "an ISO 3166 alpha-2 country code such as CN or DE")
    if actor.role not in PUSHERS[kind]:
        raise Forbidden(f"a {kind} is pushed only by: {', '.join(sorted(PUSHERS[kind]))}")
    if kind in TOKEN_ONLY and actor.user_id is not None:
        # a partner's system pushes (its API token, or the hub's in-process adapter for it)
        raise Forbidden(f"a {kind} is pushed by the partner's system with its API token, not from a session")
    docs, fmt, raw = decode_body(kind, body, content_type, jurisdiction)
    org_id = next(iter(sorted(actor.org_ids)), None)
    results = []
    with transaction.atomic():
        for doc in docs:
            results.append(_store(actor, kind, doc, fmt, raw, org_id, jurisdiction))
    return results


def _store(actor: Actor, kind: str, doc, fmt: str, raw: str, org_id: int | None, jurisdiction: str) -> PushResult:
    parcel, _ = Parcel.objects.get_or_create(order_no=doc.order_no, defaults={"jurisdiction": jurisdiction})
    if parcel.jurisdiction != jurisdiction:
        raise Conflict(f"order {doc.order_no} is cleared in {parcel.jurisdiction}, not {jurisdiction}")
    digest = _digest(doc)
    current = (TradeDocument.objects.select_for_update()
               .filter(kind=kind, order_no=doc.order_no, current=True).first())
    if current is not None and current.organisation_id != org_id and not actor.is_operator:
        raise Forbidden(f"the {kind} for order {doc.order_no} was pushed by another organisation")
    if current is not None and current.digest == digest:
        return PushResult(kind, doc.order_no, current.version, "unchanged", Parcel.objects.get(order_no=doc.order_no))
    decl = Declaration.objects.filter(parcel__order_no=doc.order_no).first()
    if decl is not None and decl.status in declarations.TERMINAL:
        raise Conflict(f"order {doc.order_no} is already {declarations.STATUS_LABELS[decl.status]}: "
                       "its documents can no longer change")
    if doc.app_type == APP_NEW and current is not None:
        raise Conflict(f"a {kind} for order {doc.order_no} exists; send appType 2 to change it")
    if doc.app_type in (APP_CHANGE, APP_DELETE) and current is None:
        raise Conflict(f"there is no {kind} for order {doc.order_no} to change or delete")
    if doc.app_type == APP_DELETE and decl is not None:
        raise Conflict(f"order {doc.order_no} is declared: a {kind} cannot be withdrawn, only changed")
    last = (TradeDocument.objects.filter(kind=kind, order_no=doc.order_no).order_by("-version")
            .values_list("version", flat=True).first() or 0)
    if current is not None:
        TradeDocument.objects.filter(pk=current.pk).update(current=False)
    stored = TradeDocument.objects.create(
        kind=kind, order_no=doc.order_no, jurisdiction=jurisdiction, version=last + 1, current=doc.app_type != APP_DELETE,
        app_type=doc.app_type, guid=doc.guid, fields=to_json(doc), body_format=fmt, xml=raw, digest=digest,
        pushed_by=actor.audit_name, organisation_id=org_id)
    outcome = {APP_NEW: "stored", APP_CHANGE: "replaced", APP_DELETE: "deleted"}[doc.app_type]
    audit.record(actor, f"customs.document.{outcome}", stored,
                 before={"version": current.version} if current else None,
                 after={"kind": kind, "order_no": doc.order_no, "version": stored.version, "digest": digest})
    return PushResult(kind, doc.order_no, stored.version, outcome, reconcile_parcel(doc.order_no))


def current_documents(order_no: str) -> dict:
    """{kind: typed document} for the current version of each document of a parcel."""
    rows = TradeDocument.objects.filter(order_no=order_no, current=True)
    return {r.kind: from_json(r.kind, r.fields) for r in rows}


def reconcile_parcel(order_no: str) -> Parcel:
    """Re-run the match for one parcel (inside the caller's transaction) and declare it when it
    first matches with its inventory list."""
    docs = current_documents(order_no)
    parcel, _ = Parcel.objects.select_for_update().get_or_create(order_no=order_no)
    order = docs.get("order")
    if order is not None:
        parcel.buyer_id_number = order.buyer_id_number
        seller = TradeDocument.objects.filter(order_no=order_no, kind="order", current=True).first()
        if seller is not None and seller.organisation_id is not None:  # the hub's own orders: set at push
            parcel.seller_id = seller.organisation_id
    ytd = (declarations.buyer_year_to_date(parcel.buyer_id_number, timezone.now().year, exclude_parcel=parcel.pk)
           if order is not None and parcel.jurisdiction == "CN" else None)
    result = reconcile(order, docs.get("payment"), docs.get("waybill"), docs.get("inventory"),
                       buyer_year_to_date=ytd, jurisdiction=parcel.jurisdiction)
    before = parcel.status
    has_three = all(k in docs for k in ("order", "payment", "waybill"))
    parcel.status = (Parcel.MATCHED if result.matched else
                     Parcel.DISCREPANCIES if has_three or any(d.rule != "missing_document"
                                                              for d in result.discrepancies) else Parcel.AWAITING)
    parcel.discrepancies = [d.as_dict() for d in result.discrepancies]
    parcel.checks += 1
    parcel.checked_at = timezone.now()
    parcel.save()
    audit.record("system", "customs.parcel.reconciled", parcel, before={"status": before},
                 after={"status": parcel.status, "discrepancies": len(parcel.discrepancies)})
    decl = Declaration.objects.select_for_update().filter(parcel=parcel).first()
    if result.matched and decl is None and "inventory" in docs:
        # the declarant files the inventory list (CEB621): it carries the HS codes to declare
        declarations.declare(parcel, docs)
    elif decl is not None and decl.status not in declarations.TERMINAL:
        declarations.documents_changed(decl, docs if result.matched else None)
    return parcel


def get_parcel(actor: Actor, order_no: str) -> Parcel:
    parcel = Parcel.objects.filter(order_no=order_no).first()
    if parcel is None:
        raise NotFound("Parcel not found")
    require_access(actor, parcel)
    return parcel


def officer_queue(actor: Actor, *, limit: int = 200) -> tuple[list[Parcel], list[Declaration]]:
    """Unmatched parcels with their discrepancies, and declarations waiting for an officer."""
    require_role(actor, [Role.CUSTOMS_OFFICER])
    parcels = Parcel.objects.filter(status=Parcel.DISCREPANCIES)
    decls = Declaration.objects.filter(status__in=[declarations.REVIEW, declarations.INSPECTION,
                                                   declarations.HELD, declarations.CONCLUDED])
    if not actor.is_operator:
        parcels = parcels.filter(jurisdiction=actor.jurisdiction)
        decls = decls.filter(jurisdiction=actor.jurisdiction)
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
                   jurisdiction: str = "CN", rule_id: int | None = None) -> RiskRule:
    require_role(actor, [Role.HUB_OPERATOR])
    risk.validate_rule(kind, lane, params)
    with transaction.atomic():
        rule = RiskRule.objects.select_for_update().filter(pk=rule_id).first() if rule_id else RiskRule()
        if rule is None:
            raise NotFound("RiskRule not found")
        before = ({"kind": rule.kind, "lane": rule.lane, "params": rule.params, "active": rule.active}
                  if rule.pk else None)
        rule.kind, rule.lane, rule.params, rule.active, rule.note, rule.jurisdiction = (
            kind, lane, params, active, note, jurisdiction)
        rule.save()
        audit.record(actor, "customs.risk_rule.saved", rule, before=before,
                     after={"kind": kind, "lane": lane, "params": params, "active": active})
    return rule
