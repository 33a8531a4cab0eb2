"""The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it; `verify()` finds the first break.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from ewtp.core.actor import Actor
from ewtp.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    # Round-trip through JSON so hashes are computed on exactly what is stored.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True)) if value is not None else None


def entry_hash(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
               before: Any, after: Any, prev_hash: str) -> str:
    payload = json.dumps(
        [seq, at, actor, action, object_type, object_id, before, after, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
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


def record(actor: Actor | str, action: str, obj: Any = None, *, object_type: str = "", object_id: Any = "",
           before: dict | None = None, after: dict | None = None) -> str:
    """Append one entry and return its hash. Must run inside the service's transaction, so the
    entry and the change it describes commit or roll back together. Plain SQL: this runs on
    every state change, and the ORM's per-row overhead was most of its cost."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
    at = timezone.now()
    who = actor if isinstance(actor, str) else actor.audit_name
    before_c, after_c = _canonical(before), _canonical(after)
    ops = connection.ops
    with connection.cursor() as cur:
        prev_seq, prev_hash = _lock_head(cur)
        seq = prev_seq + 1
        h = entry_hash(seq, at.isoformat(), who, action, object_type, str(object_id), before_c, after_c, prev_hash)
        cur.execute(
            "INSERT INTO core_auditentry (seq, at, actor, action, object_type, object_id, before, after, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [seq, ops.adapt_datetimefield_value(at), who, action, object_type, str(object_id),
             ops.adapt_json_value(before_c, DjangoJSONEncoder), ops.adapt_json_value(after_c, DjangoJSONEncoder),
             prev_hash, h],
        )
        cur.execute("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [seq, h])
    return h


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
