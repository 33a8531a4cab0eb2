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
from django.db.models import JSONField, Model

from ewtp.core import jsontext
from ewtp.core.compiled import insert

M = TypeVar("M", bound=Model)


def dumps(value: Any) -> str:
    """The text a JSON field without an encoder stores for `value`."""
    return jsontext.dumps(value)


def joined(key: str, texts: Sequence[str]) -> str:
    """`dumps({key: [values]})` from the values' texts."""
    return "{" + json.dumps(key) + ": [" + ", ".join(texts) + "]}"


def _stores_dumps(connection, field) -> bool:
    return isinstance(field, JSONField) and field.encoder is None and jsontext.stores_dumps(connection)


def insert_encoded(objs: Sequence[M], texts: dict[str, Sequence[str]], using: str = "default") -> Sequence[M]:
    """`core.compiled.insert(objs)`, the JSON fields named in `texts` written as the texts given
    (one per row, each `dumps` of that row's value) instead of being encoded again."""
    if not objs:
        return objs
    connection = connections[using]
    opts = type(objs[0])._meta
    fields = {f.name: f for f in opts.concrete_fields if f is not opts.pk and not f.generated}
    if not all(name in fields and _stores_dumps(connection, fields[name]) for name in texts):
        return insert(objs, using)  # the field encodes the values, as ever
    return insert(objs, using, prepared=texts)
