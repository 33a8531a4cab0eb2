"""The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it; `verify()` finds the first break.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from ewtp.core import jsontext
from ewtp.core.actor import Actor
from ewtp.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


class _Unusual(Exception):
    """A value the quick copy does not handle: take the JSON round trip instead."""


def _copy(value: Any) -> Any:
    # What `loads(dumps(value, sort_keys=True))` gives, for the plain values audit entries carry
    # (dicts with text keys, lists, text, numbers, Decimal): without encoding and parsing text.
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dict:
        if not all(type(k) is str for k in value):
            raise _Unusual
        return {k: _copy(value[k]) for k in sorted(value)}
    if t is list or t is tuple:
        return [_copy(v) for v in value]
    if t is Decimal:
        return str(value)  # as DjangoJSONEncoder
    if t is float and math.isfinite(value):
        return value
    raise _Unusual


def _canonical(value: Any) -> Any:
    # Hashes are computed on exactly what is stored: the JSON round trip of the value.
    if value is None:
        return None
    try:
        return _copy(value)
    except _Unusual:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


_compact = jsontext.compact_sorted  # json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
               before: Any, after: Any, prev_hash: str) -> str:
    return _hash_of(seq, at, actor, action, object_type, object_id, _compact(before), _compact(after), prev_hash)


def _hash_of(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
             before_json: str, after_json: str, prev_hash: str) -> str:
    # the compact JSON of the list [seq, at, actor, action, type, id, before, after, prev_hash]:
    # a list's items are encoded one by one, so its text can be put together from theirs
    head = _compact([seq, at, actor, action, object_type, object_id])
    payload = f"{head[:-1]},{before_json},{after_json},{_compact(prev_hash)}]"
    return hashlib.sha256(payload.encode()).hexdigest()


HEAD_SQL = "SELECT seq, hash FROM core_audithead WHERE id = 1"


def _lock_head(cur) -> tuple[int, str]:
    # SQLite has no FOR UPDATE: its IMMEDIATE transactions already serialise writers.
    sql = HEAD_SQL if connection.vendor == "sqlite" else HEAD_SQL + " FOR UPDATE"
    cur.execute(sql)
    row = cur.fetchone()
    if row is None:
        AuditHead.objects.get_or_create(id=1)
        cur.execute(sql)
        row = cur.fetchone()
    return int(row[0]), row[1]


INSERT_SQL = ("INSERT INTO core_auditentry (seq, at, actor, action, object_type, object_id, before, after, prev_hash,"
              " hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


@dataclass
class _Pending:
    """Entries recorded inside `batch()`, not yet chained: (at, actor, action, type, id, before,
    after, marker). `marker` is an on-commit callback registered with the entry: Django drops it
    when a savepoint the entry was recorded in rolls back, which is how a rolled-back entry is told
    apart from a kept one (Django has no other savepoint-rollback hook)."""

    conn: Any  # the connection the batch's transaction is on (not the per-call proxy)
    entries: list[tuple] = field(default_factory=list)


_local = threading.local()  # connections are per thread, so is the open batch


def _noop() -> None:
    pass


def record(actor: Actor | str, action: str, obj: Any = None, *, object_type: str = "", object_id: Any = "",
           before: dict | None = None, after: dict | None = None) -> str | None:
    """Append one entry and return its hash (None inside `batch()`: it is chained at the batch's
    end). Must run inside the service's transaction, so the entry and the change it describes
    commit or roll back together. Plain SQL: this runs on every state change, and the ORM's
    per-row overhead was most of its cost."""
    pending: _Pending | None = getattr(_local, "pending", None)
    if pending is None and not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
    at = timezone.now()
    who = actor if isinstance(actor, str) else actor.audit_name
    row = (at, who, action, object_type, str(object_id), _canonical(before), _canonical(after))
    if pending is not None:
        marker = partial(_noop)  # a distinct object per entry
        # what `transaction.on_commit` does inside a transaction (a batch is one), without its
        # connection lookup per entry: a savepoint rollback drops the callbacks tagged with its id
        conn = pending.conn
        conn.run_on_commit.append((set(conn.savepoint_ids), marker, False))
        pending.entries.append((*row, marker))
        return None
    return _append([row])


def _append(rows: list[tuple]) -> str:
    """Chain rows (at, actor, action, type, id, before, after) onto the head: one head lock, one
    insert of them all, one head update."""
    ops, as_text = connection.ops, connection.vendor == "sqlite"  # SQLite keeps JSON as text
    adapt_at = getattr(ops, "adapt_datetime_iso", None) or (lambda at, _: ops.adapt_datetimefield_value(at))
    with connection.cursor() as cur:
        seq, h = _lock_head(cur)
        values = []
        for at, who, action, object_type, object_id, before_c, after_c in rows:
            prev, seq = h, seq + 1
            # the canonical values are encoded once, for the hash and for the row: the same text
            # (plain values, sorted keys), so what is read back hashes the same
            before_json, after_json = _compact(before_c), _compact(after_c)
            iso = at.isoformat()
            h = _hash_of(seq, iso, who, action, object_type, object_id, before_json, after_json, prev)
            if not as_text:  # PostgreSQL's jsonb takes its driver's JSON parameter
                before_json, after_json = (ops.adapt_json_value(before_c, DjangoJSONEncoder),
                                           ops.adapt_json_value(after_c, DjangoJSONEncoder))
            values.append([seq, adapt_at(at, iso), who, action, object_type, object_id,
                           before_json, after_json, prev, h])
        if len(values) == 1:
            cur.execute(INSERT_SQL, values[0])
        else:
            cur.executemany(INSERT_SQL, values)
        cur.execute("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [seq, h])
    return h


@contextmanager
def batch() -> Iterator[None]:
    """A transaction (savepoint) whose audit entries are chained together at its end: the head is
    locked once, the entries inserted at once, the head updated once — the same entries, in the
    same order with the same content and hashes as one by one. The head lock is still taken
    last, after every other row the block locked (the lock ordering the services rely on).
    Entries of an inner savepoint that rolled back are dropped, as they would have been. Inside,
    nothing may read the audit log expecting the block's own entries. A nested batch is a
    savepoint whose entries join the outer batch's."""
    if getattr(_local, "pending", None) is not None:
        with transaction.atomic():  # still a savepoint of its own
            yield
        return
    with transaction.atomic():
        pending = _local.pending = _Pending(transaction.get_connection())
        try:
            yield
            markers = {id(e[-1]) for e in pending.entries}
            alive = {id(func) for _, func, _ in connection.run_on_commit if id(func) in markers}
            connection.run_on_commit = [c for c in connection.run_on_commit if id(c[1]) not in markers]
            rows = [e[:-1] for e in pending.entries if id(e[-1]) in alive]
        finally:
            _local.pending = None
        if rows:
            _append(rows)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    problem: str = ""


def _iter_entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify() -> VerifyResult:
    prev, expected_seq, count = GENESIS, 1, 0
    with transaction.atomic():
        for e in _iter_entries():
            if e.seq != expected_seq:
                return VerifyResult(False, count, f"entry #{expected_seq} is missing (found #{e.seq})")
            if e.prev_hash != prev:
                return VerifyResult(False, count, f"entry #{e.seq} does not point at the previous entry's hash")
            h = entry_hash(e.seq, e.at.isoformat(), e.actor, e.action, e.object_type, e.object_id,
                           e.before, e.after, e.prev_hash)
            if h != e.hash:
                return VerifyResult(False, count, f"entry #{e.seq} was altered (hash mismatch)")
            prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
        head = AuditHead.objects.filter(id=1).first()
        if head and (head.seq != count or head.hash != prev):
            return VerifyResult(False, count, f"the chain ends at #{count} but the head says #{head.seq}: entries were removed")
    return VerifyResult(True, count)
