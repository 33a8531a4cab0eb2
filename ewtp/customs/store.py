"""Storing pushed documents and re-matching their parcels, for one push or a batch of them.

A `Book` reads the customs state of a set of parcels up front — the parcels, every version of their
documents, their declarations — in a few queries, instead of ten or so lookups per document. Each
document is then stored and its parcel re-matched in turn, exactly as a single push does: the same
checks in the same order, the same audit entries, versions and declarations. The book is the
transaction's view of those rows: it is updated with every write, and an order whose push was
refused (its savepoint rolled back) is forgotten and read again when next needed. In a batch's
fast path (`customs.batch`) the book also holds what waits to be written together — parcel rows
(`deferred`), declarations and every audit entry in order (`pending`, `declare_batch`) — and
writes what waits before anything reads it (`settle`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ewtp.accounts.models import Organisation
from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery, get_or_create, insert, save_fields, save_many
from ewtp.core.errors import Conflict, Forbidden
from ewtp.core.orm import chunks
from ewtp.customs import declarations, risk
from ewtp.customs.declare_batch import Pending
from ewtp.customs.jsondocs import from_json, stored_form, to_json
from ewtp.customs.models import Declaration, Parcel, TradeDocument
from ewtp.customs.reconciliation import reconcile
from ewtp.customs.xml.documents import APP_CHANGE, APP_DELETE, APP_NEW

_PLACES = Decimal("0.00001")  # Declaration.customs_value's decimal places, as a column read gives it
_EXACT = Decimal(10) ** 10  # below: 15 significant digits with 5 decimals, which SQLite's REAL keeps
_parcel_by_no = CompiledQuery(lambda no: Parcel.objects.filter(order_no=no)[:1], texts=(0,))  # order_no is unique

# (kind, digest) -> the stored fields as a typed document. The digest is the hash of exactly the
# fields stored (`to_json` of the document), so the typed form is a function of the key: a parcel
# re-matched on each of its four documents parsed its other documents again every time (and a
# batch read their JSON from the database to do so). Typed documents are read, never changed.
_TYPED: dict[tuple[str, str], Any] = {}
_TYPED_MAX = 10_000  # a chunk of 2,000 orders has 8,000 documents; then start again (bounds memory)


def typed(kind: str, digest: str, fields: dict, doc: Any = None, *, own: bool = False) -> Any:
    """`from_json(kind, fields)` for stored fields whose digest is `digest`, parsed once. `doc`: the
    document `fields` were made from (`to_json(doc)`), whose stored form needs no parsing; `own`:
    `doc` is that stored form itself (a JSON push's: `from_json` keeps amounts as written)."""
    key = (kind, digest)
    out = _TYPED.get(key)
    if out is None:
        if len(_TYPED) >= _TYPED_MAX:
            _TYPED.clear()
        out = _TYPED[key] = (from_json(kind, fields) if doc is None else doc if own
                             else stored_form(kind, doc))
    return out


@dataclass
class _Versions:
    """What the book knows of one (order, kind): the last version number and the current row."""

    last: int = 0
    current: dict | None = None  # pk, version, digest, organisation_id (and fields once read)
    typed: Any = None  # the current row as a typed document, parsed once


@dataclass
class Book:
    parcels: dict[str, Parcel] = field(default_factory=dict)
    docs: dict[tuple[str, str], _Versions] = field(default_factory=dict)
    decls: dict[str, Declaration | None] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)
    rules: dict[str, list[risk.Rule]] = field(default_factory=dict)
    orgs: dict[int, Organisation] = field(default_factory=dict)
    # a batch's fast path (customs.batch): parcel rows written once at its end, {orderNo: fields}
    deferred: dict[str, list[str]] | None = None
    # China's buyers whose year-to-date was asked for `ytd_year`: {buyer: {parcel pk: customs value}}
    # of their declarations that count, read for many buyers in one query and kept current as the
    # book declares (a sum query per parcel, and an early write of a batch's declarations, before);
    # `buyers`: ones the batch's documents name, read together with the first
    ytd_year: int | None = None
    counted: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    buyers: set[str] = field(default_factory=set)
    # a batch's fast path: its declarations and audit entries, written together (declare_batch)
    pending: Pending | None = None

    def load(self, order_nos: Iterable[str]) -> None:
        """Read (and lock) the state of these parcels; ones already read are kept."""
        todo = sorted(set(order_nos) - self.loaded)
        for part in chunks(todo):  # stay under SQLite's bound-parameter limit
            self._load(part)

    def load_one(self, order_no: str) -> None:
        """`load([order_no])`, at the cost of a set lookup when it is read already (the book is
        asked several times per document, mostly about parcels it holds)."""
        if order_no not in self.loaded:
            self._load([order_no])

    def _load(self, order_nos: list[str]) -> None:
        for p in Parcel.objects.select_for_update().filter(order_no__in=order_nos):
            self.parcels[p.order_no] = p
        rows = (TradeDocument.objects.filter(order_no__in=order_nos)
                .values("pk", "kind", "order_no", "version", "current", "digest", "organisation_id"))
        unread = {}
        for r in rows:
            v = self.docs.setdefault((r["order_no"], r["kind"]), _Versions())
            v.last = max(v.last, r["version"])
            if r["current"]:
                v.current = r
                v.typed = _TYPED.get((r["kind"], r["digest"]))
                if v.typed is None:
                    unread[r["pk"]] = v
        # only the current documents not parsed before: their stored JSON, in a second query
        # (parsed when a match needs it, as before)
        pks = list(unread)
        for part in chunks(pks):
            for pk, fields in TradeDocument.objects.filter(pk__in=part).values_list("pk", "fields"):
                unread[pk].current["fields"] = fields
        by_parcel = {p.pk: p for no, p in self.parcels.items() if no in order_nos}
        for d in Declaration.objects.select_for_update().filter(parcel_id__in=list(by_parcel)):
            d.parcel = by_parcel[d.parcel_id]
            self.decls[d.parcel.order_no] = d
        self.loaded.update(order_nos)

    def forget(self, order_no: str) -> None:
        """The push for this order rolled back: what the book holds of it may be gone."""
        self.loaded.discard(order_no)
        self.parcels.pop(order_no, None)
        if self.decls.pop(order_no, None) is not None:  # its declaration may have changed, and buyers' sums
            self.counted = {}
        for key in [k for k in self.docs if k[0] == order_no]:
            del self.docs[key]

    def versions(self, order_no: str, kind: str) -> _Versions:
        self.load_one(order_no)
        return self.docs.setdefault((order_no, kind), _Versions())

    def parcel(self, order_no: str, jurisdiction: str) -> Parcel:
        self.load_one(order_no)
        if order_no not in self.parcels:  # get_or_create: a concurrent first push may have made it
            self.parcels[order_no], _ = get_or_create(_parcel_by_no, (order_no,), Parcel, order_no=order_no,
                                                      jurisdiction=jurisdiction)
        return self.parcels[order_no]

    def known_parcel(self, order_no: str) -> Parcel | None:
        """The parcel if it exists (none is made)."""
        self.load_one(order_no)
        return self.parcels.get(order_no)

    def save_parcel(self, parcel: Parcel, fields: list[str]) -> None:
        """Write these fields of the parcel's row now, or with `deferred` at `flush`: nothing in a
        batch reads a parcel's row back, so its last state is what the row must end with."""
        if self.deferred is None:
            save_fields(parcel, fields)
            return
        names = self.deferred.setdefault(parcel.order_no, [])
        names += [f for f in fields if f not in names]

    def flush(self) -> None:
        """Write the deferred parcel rows: one statement per set of fields, run for each row."""
        groups: dict[tuple[str, ...], list[Parcel]] = {}
        for order_no, names in (self.deferred or {}).items():
            groups.setdefault(tuple(names), []).append(self.parcels[order_no])
        for names, parcels in groups.items():
            save_many(parcels, list(names))
        if self.deferred is not None:
            self.deferred = {}

    def declaration(self, order_no: str) -> Declaration | None:
        self.load_one(order_no)
        return self.decls.get(order_no)

    def current_documents(self, order_no: str) -> dict:
        """{kind: typed document} of the parcel's current documents (kinds in a stable order)."""
        self.load_one(order_no)
        out = {}
        for kind, _ in TradeDocument.KINDS:
            v = self.docs.get((order_no, kind))
            if v is not None and v.current is not None:
                if v.typed is None:
                    v.typed = typed(kind, v.current["digest"], v.current["fields"])
                out[kind] = v.typed
        return out

    def stored_current(self, order_no: str, kind: str) -> tuple[dict, str] | None:
        """(fields as stored, jurisdiction) of the current document of one kind, if this book holds
        it (a parcel's jurisdiction is its documents': a push elsewhere is refused); None if not."""
        v = self.docs.get((order_no, kind)) if order_no in self.loaded else None
        if v is None or v.current is None or "fields" not in v.current or order_no not in self.parcels:
            return None
        return v.current["fields"], self.parcels[order_no].jurisdiction

    def year_to_date(self, buyer: str, year: int, exclude_parcel: int) -> Decimal:
        """`declarations.buyer_year_to_date`: the exact sum of the buyer's counting declarations
        (those read, and those the book made since), without its query per parcel."""
        if year != self.ytd_year:
            self.ytd_year, self.counted = year, {}
        if buyer not in self.counted:
            todo = sorted(({buyer} | self.buyers | {p.buyer_id_number for p in self.parcels.values()
                                                     if p.jurisdiction == "CN" and p.buyer_id_number})
                          - self.counted.keys())
            if self.pending is not None and not self.pending.buyers.isdisjoint(todo):
                self.settle()  # their waiting declarations are read with the others
            for chunk in chunks(todo):  # stay under SQLite's bound-parameter limit
                self.counted.update((b, {}) for b in chunk)
                for b, parcel_id, value in (Declaration.objects
                                            .filter(buyer_id_number__in=chunk, created_at__year=year)
                                            .exclude(status=declarations.REJECTED)
                                            .values_list("buyer_id_number", "parcel_id", "customs_value")):
                    self.counted[b][parcel_id] = value
        return sum((v for pk, v in self.counted[buyer].items() if pk != exclude_parcel), Decimal(0))

    def record(self, actor: Actor | str, action: str, obj: Any = None, *, before: dict | None = None,
               after: dict | None = None) -> None:
        """`audit.record`, or in a batch's fast path at its end, in order with its declarations'."""
        if self.pending is None:
            audit.record(actor, action, obj, before=before, after=after)
        else:
            self.pending.record(actor, action, obj, before=before, after=after)

    def settle(self) -> None:
        """What a fast path keeps waiting is written now (before something reads or writes it)."""
        if self.pending is not None:
            self.pending.write()

    def declared(self, buyer: str) -> None:
        """A declaration of this buyer changed: its year-to-date is read from the database again."""
        self.counted.pop(buyer, None)

    def count(self, decl: Declaration) -> None:
        """The book made this declaration (written, or waiting in `pending`): it counts in its
        buyer's year-to-date as the database will give it back. A value the column would round
        (more than 5 decimals, or beyond the 15 digits SQLite keeps) is read back instead."""
        sums = self.counted.get(decl.buyer_id_number)
        if sums is None or decl.status == declarations.REJECTED:
            return
        if timezone.localtime(decl.created_at).year != self.ytd_year:  # as created_at__year (USE_TZ)
            return
        value = decl.customs_value
        if (not isinstance(value, Decimal) or not value.is_finite() or value.as_tuple().exponent < -5
                or abs(value) >= _EXACT):
            self.settle()
            self.declared(decl.buyer_id_number)
            return
        sums[decl.parcel_id] = value.quantize(_PLACES)

    def active_rules(self, jurisdiction: str) -> list[risk.Rule]:
        if jurisdiction not in self.rules:
            self.rules[jurisdiction] = declarations.active_rules(jurisdiction)
        return self.rules[jurisdiction]

    def seller(self, parcel: Parcel) -> None:
        """Attach the parcel's seller organisation from the book (routing reads its age)."""
        if parcel.seller_id is None:
            return
        if parcel.seller_id not in self.orgs:
            # the sellers of every parcel the book holds, in one query (a batch declares many)
            todo = sorted({p.seller_id for p in self.parcels.values() if p.seller_id is not None} - self.orgs.keys())
            for part in chunks(todo):
                self.orgs.update(Organisation.objects.in_bulk(part))
            if parcel.seller_id not in self.orgs:
                self.orgs[parcel.seller_id] = Organisation.objects.get(pk=parcel.seller_id)  # raises as before
        parcel.seller = self.orgs[parcel.seller_id]


def check(book: Book, actor: Actor, kind: str, doc, org_id: int | None, jurisdiction: str, digest: str) -> bool:
    """A push's refusals, in the order a push meets them, without writing anything -> False when
    the document is the current one already (nothing to store)."""
    known = book.known_parcel(doc.order_no)
    cleared_in = jurisdiction if known is None else known.jurisdiction  # a new parcel: the push's
    if cleared_in != jurisdiction:
        raise Conflict(f"order {doc.order_no} is cleared in {cleared_in}, not {jurisdiction}")
    current = book.versions(doc.order_no, kind).current
    if current is not None and current["organisation_id"] != org_id and not actor.is_operator:
        raise Forbidden(f"the {kind} for order {doc.order_no} was pushed by another organisation")
    if current is not None and current["digest"] == digest:
        return False
    decl = book.declaration(doc.order_no)
    if decl is not None and decl.status in declarations.TERMINAL:
        raise Conflict(f"order {doc.order_no} is already {declarations.STATUS_LABELS[decl.status]}: "
                       "its documents can no longer change")
    if doc.app_type == APP_NEW and current is not None:
        raise Conflict(f"a {kind} for order {doc.order_no} exists; send appType 2 to change it")
    if doc.app_type in (APP_CHANGE, APP_DELETE) and current is None:
        raise Conflict(f"there is no {kind} for order {doc.order_no} to change or delete")
    if doc.app_type == APP_DELETE and decl is not None:
        raise Conflict(f"order {doc.order_no} is declared: a {kind} cannot be withdrawn, only changed")
    return True


def new_row(book: Book, actor: Actor, kind: str, doc, fmt: str, raw: str, org_id: int | None, jurisdiction: str,
            digest: str, fields: dict) -> TradeDocument:
    """The (unsaved) next version of a document that passed `check`."""
    return TradeDocument(
        kind=kind, order_no=doc.order_no, jurisdiction=jurisdiction, version=book.versions(doc.order_no, kind).last + 1,
        current=doc.app_type != APP_DELETE, app_type=doc.app_type, guid=doc.guid, fields=fields, body_format=fmt,
        xml=raw, digest=digest, pushed_by=actor.audit_name, organisation_id=org_id)


def store(book: Book, actor: Actor, kind: str, doc, fmt: str, raw: str, org_id: int | None, jurisdiction: str,
          digest: str, fields: dict | None = None) -> tuple[int, str, Parcel]:
    """Store one document (inside the caller's transaction) -> (version, outcome, parcel).
    `fields`: `to_json(doc)` when the caller has it already (it made the digest from it)."""
    parcel = book.parcel(doc.order_no, jurisdiction)
    if not check(book, actor, kind, doc, org_id, jurisdiction, digest):
        return book.versions(doc.order_no, kind).current["version"], "unchanged", parcel
    current = book.versions(doc.order_no, kind).current
    if current is not None:
        TradeDocument.objects.filter(pk=current["pk"]).update(current=False)
    fields = to_json(doc) if fields is None else fields
    row = insert([new_row(book, actor, kind, doc, fmt, raw, org_id, jurisdiction, digest, fields)])[0]
    return stored(book, actor, kind, doc, row)


def stored(book: Book, actor: Actor, kind: str, doc, row: Any) -> tuple[int, str, Parcel]:
    """A new version was written (`row`: its TradeDocument, or a batch's `batch.Version`; its
    predecessor retired): the book follows, the audit entry, the parcel re-matched -> (version,
    outcome, parcel)."""
    v = book.versions(doc.order_no, kind)
    current = v.current
    v.last = row.version
    v.current = ({"pk": row.pk, "kind": kind, "version": row.version, "digest": row.digest,
                  "organisation_id": row.organisation_id, "fields": row.fields} if row.current else None)
    # a JSON push's document is `from_json`'s (services.decode_data, push_many): its own stored form
    v.typed = (typed(kind, row.digest, row.fields, doc, own=row.body_format == TradeDocument.JSON)
               if row.current else None)
    outcome = {APP_NEW: "stored", APP_CHANGE: "replaced", APP_DELETE: "deleted"}[doc.app_type]
    book.record(actor, f"customs.document.{outcome}", row,
                 before={"version": current["version"]} if current else None,
                 after={"kind": kind, "order_no": doc.order_no, "version": row.version, "digest": row.digest})
    return row.version, outcome, rematch(book, doc.order_no)


def rematch(book: Book, order_no: str) -> Parcel:
    """Re-run the match for one parcel (inside the caller's transaction) and declare it when it
    first matches with its inventory list."""
    docs = book.current_documents(order_no)
    parcel = book.parcel(order_no, "CN")
    order = docs.get("order")
    if order is not None:
        parcel.buyer_id_number = order.buyer_id_number
        seller = book.docs[(order_no, "order")].current
        if seller["organisation_id"] is not None:  # the hub's own orders: set at push
            parcel.seller_id = seller["organisation_id"]
    ytd = (book.year_to_date(parcel.buyer_id_number, timezone.now().year, parcel.pk)
           if order is not None and parcel.jurisdiction == "CN" else None)
    result = reconcile(order, docs.get("payment"), docs.get("waybill"), docs.get("inventory"),
                       buyer_year_to_date=ytd, jurisdiction=parcel.jurisdiction)
    before, found = parcel.status, parcel.discrepancies
    has_three = all(k in docs for k in ("order", "payment", "waybill"))
    parcel.status = (Parcel.MATCHED if result.matched else
                     Parcel.DISCREPANCIES if has_three or any(d.rule != "missing_document"
                                                              for d in result.discrepancies) else Parcel.AWAITING)
    parcel.discrepancies = [d.as_dict() for d in result.discrepancies]
    parcel.checks += 1
    parcel.checked_at = timezone.now()
    # only what a match changes: the frozen quote on the row is large and stays as it is
    book.save_parcel(parcel, ["buyer_id_number", "seller", "status", "discrepancies", "checks", "checked_at"])
    if parcel.status != before or parcel.discrepancies != found:  # a match that changes nothing is no event
        book.record("system", "customs.parcel.reconciled", parcel, before={"status": before},
                     after={"status": parcel.status, "discrepancies": len(parcel.discrepancies)})
    decl = book.declaration(order_no)
    if result.matched and decl is None and "inventory" in docs:
        # the declarant files the inventory list (CEB621): it carries the HS codes to declare
        book.seller(parcel)
        rules = book.active_rules(parcel.jurisdiction)
        # (a failure rolls back its savepoint: the caller forgets the order, or drops the book)
        decl = book.decls[order_no] = (declarations.declare(parcel, docs, rules=rules) if book.pending is None
                                       else book.pending.declare(parcel, docs, rules))
        book.count(decl)
    elif decl is not None and decl.status not in declarations.TERMINAL:
        book.settle()  # the change is written now, after what waits
        book.declared(decl.buyer_id_number)
        declarations.documents_changed(decl, docs if result.matched else None)
        book.declared(decl.buyer_id_number)  # the documents may name another buyer
    return parcel
