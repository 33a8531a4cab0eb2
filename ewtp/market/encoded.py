"""Rows whose JSON columns are written from text encoded once.

A quote and the orders placed from it carry the same consignments (4–8 KB of JSON each): `buy`
encodes each consignment once, for its order's snapshot, and joins those texts into the quote's
payload — what `json.dumps` gives for the whole, whose separators are ", " and ": ". Only where the
field stores `json.dumps`'s text (SQLite, no encoder of the field's own); elsewhere the field encodes
the values itself, as `core.compiled.insert` does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import JSONField, Model

from ewtp.core.compiled import insert

M = TypeVar("M", bound=Model)
_SQL: dict[tuple, str] = {}  # (model, rows) -> the statement `core.compiled.insert` sends


def dumps(value: Any) -> str:
    """The text a JSON field without an encoder stores for `value`."""
    return json.dumps(value)


def joined(key: str, texts: Sequence[str]) -> str:
    """`dumps({key: [values]})` from the values' texts."""
    return "{" + json.dumps(key) + ": [" + ", ".join(texts) + "]}"


def _stores_dumps(connection, field) -> bool:
    return (isinstance(field, JSONField) and field.encoder is None and connection.vendor == "sqlite"
            and type(connection.ops).adapt_json_value is BaseDatabaseOperations.adapt_json_value)


def insert_encoded(objs: Sequence[M], texts: dict[str, Sequence[str]], using: str = "default") -> Sequence[M]:
    """`core.compiled.insert(objs)`, the JSON fields named in `texts` written as the texts given
    (one per row, each `dumps` of that row's value) instead of being encoded again."""
    if not objs:
        return objs
    connection = connections[using]
    model = type(objs[0])
    opts = model._meta
    fields = [f for f in opts.concrete_fields if f is not opts.pk and not f.generated]
    given = {f.name for f in fields if f.name in texts}
    if (given != set(texts) or not all(_stores_dumps(connection, f) for f in fields if f.name in given)
            or not opts.pk.db_returning or any(type(o) is not model or o.pk is not None for o in objs)):
        return insert(objs, using)  # the field encodes the values, as ever
    key = (model, len(objs))
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _SQL[key] = (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
                           f"VALUES {', '.join([row] * len(objs))} RETURNING {qn(opts.pk.column)}")
    params = []
    for n, obj in enumerate(objs):
        obj._prepare_related_fields_for_save(operation_name="insert")  # as bulk_create: no unsaved parents
        for f in fields:
            if f.name in given:  # None is SQL NULL, as the field writes it
                params.append(None if getattr(obj, f.attname) is None else texts[f.name][n])
                continue
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert_encoded() takes plain values, not expressions ({f.name})")
            params.append(f.get_db_prep_save(value, connection))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        ids = [r[0] for r in cur.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    return objs
