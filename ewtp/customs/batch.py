"""The fast path of a batch of pushes (`services.push_many`): the same rows, audit entries and
results as the pushes one by one, in fewer statements.

One by one, each push is a savepoint: its refusal rolls back what it wrote. Here a push's refusals
are found first, without writing (`store.check`, the same checks in the same order), so a refused
push wrote nothing and needs no savepoint; the new document versions of the batch are inserted
together (in push order: the same primary keys), then each push is recorded and its parcel
re-matched in push order (the same audit entries in the same order), the declarations it makes
written together (`declare_batch`: their rows, events, remittances, then every audit entry of the
batch in order), and the parcels' rows written once at the end with their last state. Anything
that fails after the first write (a declaration's remittance refused, a database error), a
refusal met by a push's own step (`Push.before`) or what `declare_batch` does not reproduce
makes the caller roll the whole batch back and take the one-by-one path, which is the
reference — so nothing the fast path cannot reproduce exactly is ever attempted here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db import connection, transaction
from django.utils import timezone

from ewtp.core.actor import Actor
from ewtp.core.compiled import insert, insert_values
from ewtp.core.errors import AppError
from ewtp.core.orm import chunks
from ewtp.customs import store
from ewtp.customs.declare_batch import Pending, Unusual
from ewtp.customs.models import Parcel, TradeDocument
from ewtp.customs.store import Book
from ewtp.customs.xml.documents import APP_DELETE

INSERT_ROWS = 50  # rows per INSERT: 14 columns (a parcel 11) stays under SQLite's oldest parameter limit (999)


class Redo(Exception):
    """The fast path cannot tell what the one-by-one path would do: roll back, go one by one."""


_local = threading.local()  # the open `one_book` block's book (connections are per thread)


@contextmanager
def one_book() -> Iterator[None]:
    """The batches pushed inside share one Book (each batch read the same parcels, documents and
    declarations again). Only inside a transaction, which the block cannot outlive: the parcels
    and declarations the book read stay locked by it, and every write to them inside goes through
    the book (between the batches the caller only reads); a batch that rolls back drops it.
    A result's `parcel` is the book's object: after a later batch, it shows that batch's state."""
    if not connection.in_atomic_block or getattr(_local, "book", None) is not None:
        yield
        return
    _local.book = Book()
    try:
        yield
    finally:
        _local.book = None


@contextmanager
def together() -> Iterator[bool]:
    """Inside an open `one_book` block: the batches pushed inside are one savepoint, and the
    parcels' rows are written once at its end with their last state (each batch wrote them again:
    a parcel's four documents arrive in four batches, and its row carries the frozen quote).
    Nothing between the batches reads a parcel's row: the book is the transaction's view of
    them. A batch that cannot take the fast path raises Redo out of the block instead of going
    one by one, the savepoint rolls back, and the caller runs its batches again outside (each
    then falls back on its own; so does anything else that fails inside, to fail as before).
    Yields whether it is on (outside `one_book`: no, and a no-op)."""
    if getattr(_local, "book", None) is None or in_together():
        yield False
        return
    _local.together = True
    try:
        with transaction.atomic():
            yield True
            book().flush()
            book().deferred = None
    except BaseException:
        drop_book()  # rolled back: the book holds what is gone
        raise
    finally:
        _local.together = False


def in_together() -> bool:
    return getattr(_local, "together", False)


def open_book() -> Book | None:
    """The shared book of an open `one_book` block, if one is open."""
    return getattr(_local, "book", None)


def book() -> Book:
    """The shared book of an open `one_book` block, else a new one."""
    return getattr(_local, "book", None) or Book()


def drop_book() -> Book:
    """After a rollback the book may hold what is gone -> a new book (the shared one, if open)."""
    if getattr(_local, "book", None) is not None:
        _local.book = Book()
    return book()


@dataclass(slots=True)
class Version:
    """A new version as the fast path writes it, without a model instance per row (its values go to
    `insert_values`): what `store.stored` reads of a written version, and, for its audit entry, the
    model's `_meta` and the row's `pk` (all `audit.record` reads of an object)."""

    NAMES: ClassVar[tuple[str, ...]] = (
        "kind", "order_no", "jurisdiction", "version", "current", "app_type", "guid", "fields", "body_format",
        "xml", "digest", "pushed_by", "organisation_id", "received_at")
    _meta: ClassVar = TradeDocument._meta

    kind: str
    order_no: str
    jurisdiction: str
    version: int
    current: bool
    app_type: str
    guid: str
    fields: dict
    body_format: str
    xml: str
    digest: str
    pushed_by: str
    organisation_id: int | None
    received_at: datetime
    pk: int | None = None

    def values(self) -> tuple:
        return (self.kind, self.order_no, self.jurisdiction, self.version, self.current, self.app_type, self.guid,
                self.fields, self.body_format, self.xml, self.digest, self.pushed_by, self.organisation_id,
                self.received_at)


def new_version(book: Book, actor: Actor, kind: str, doc, fmt: str, raw: str, org_id: int | None,
                jurisdiction: str, digest: str, fields: dict) -> Version:
    """`new_row` as a `Version` (received now, as the field's auto_now_add sets it at insert)."""
    return Version(kind, doc.order_no, jurisdiction, book.versions(doc.order_no, kind).last + 1,
                   doc.app_type != APP_DELETE, doc.app_type, doc.guid, fields, fmt, raw, digest, actor.audit_name,
                   org_id, timezone.now())


def fast_pushes(book: Book, actor: Actor, kind: str, items: Sequence[tuple[Any, Any]], org_id: int | None,
                make_result: Callable[..., Any]) -> list:
    """`items`: [(push, (doc, fmt, fields, digest) or the push's decoding error)] of distinct orderNos.
    -> the results as one by one (`make_result(kind, doc, version, outcome, parcel)`); raises
    Redo (or whatever failed) when the caller must roll back and go one by one."""
    results: list = [None] * len(items)
    go: list[int] = []
    for i, (push, d) in enumerate(items):
        if isinstance(d, AppError):
            results[i] = d
            continue
        doc, _, _, digest = d
        try:
            fresh = store.check(book, actor, kind, doc, org_id, push.jurisdiction, digest)
        except AppError as err:
            if push.before is not None:  # its step would have run first, and may refuse otherwise
                raise Redo from err
            results[i] = err  # refused before anything was written: nothing to roll back
            continue
        go.append(i)
        results[i] = fresh
    _insert_parcels(book, [items[i] for i in go])
    rows = _insert_versions(book, actor, kind, [(i, items[i]) for i in go if results[i] is True], org_id)
    if book.deferred is None:  # (a `together` block's book keeps the rows of its earlier batches)
        book.deferred = {}
    book.pending = Pending(book.year_to_date)
    try:
        for i in go:
            push, (doc, _, _, _) = items[i]
            if push.before is not None:
                try:
                    push.before(book, doc.order_no)
                except AppError as err:
                    raise Redo from err
            if i in rows:
                results[i] = make_result(kind, doc, *store.stored(book, actor, kind, doc, rows[i]))
            else:  # the current document already
                parcel = book.parcel(doc.order_no, push.jurisdiction)
                results[i] = make_result(kind, doc, book.versions(doc.order_no, kind).current["version"],
                                         "unchanged", parcel)
        book.settle()
    except Unusual as exc:
        raise Redo from exc
    finally:
        book.pending = None
    if not in_together():
        book.flush()
        book.deferred = None
    return results


def _insert_parcels(book: Book, todo: list) -> None:
    """The parcels the pushes make (each push that passed its checks has one), in push order: the
    same rows and primary keys as one by one. One that a concurrent first push made meanwhile
    fails the insert (unique orderNo): the one-by-one path then finds it."""
    new = [Parcel(order_no=doc.order_no, jurisdiction=push.jurisdiction)
           for push, (doc, _, _, _) in todo if book.known_parcel(doc.order_no) is None]
    for n in range(0, len(new), INSERT_ROWS):
        insert(new[n:n + INSERT_ROWS])
    book.parcels.update((p.order_no, p) for p in new)


def _insert_versions(book: Book, actor: Actor, kind: str, todo: list, org_id: int | None) -> dict[int, Version]:
    """Retire the current versions and insert the new ones, in push order -> {item index: row}."""
    retire = [book.versions(doc.order_no, kind).current["pk"] for _, (_, (doc, _, _, _)) in todo
              if book.versions(doc.order_no, kind).current is not None]
    for part in chunks(retire):
        TradeDocument.objects.filter(pk__in=part).update(current=False)
    new = [(i, new_version(book, actor, kind, doc, fmt, "", org_id, push.jurisdiction, digest, fields))
           for i, (push, (doc, fmt, fields, digest)) in todo]
    rows = [row for _, row in new]
    for row, pk in zip(rows, insert_values(TradeDocument, Version.NAMES, [r.values() for r in rows]), strict=True):
        row.pk = pk
    return dict(new)
