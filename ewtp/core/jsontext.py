"""JSON text exactly as `json.dumps` writes it, from encoders made once.

`json.dumps` builds its C encoder again on every call (and, with any option given, a new
`JSONEncoder` first): for the small documents the hub encodes by the hundred thousand (audit
entries, JSON columns, digests) that set-up was about half the cost. `encoder(...)` takes the
options `json.dumps` takes and returns a function giving the same text, calling the same C
encoder (`json.encoder.c_make_encoder`) with the same arguments `JSONEncoder.iterencode` passes.
One difference: no circular-reference check (a circular value, which the hub never encodes,
raises RecursionError instead of ValueError). Without the C encoder it is `json.dumps` itself.
`tests/core/test_jsontext.py` holds each form to `json.dumps`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache, partial
from json import encoder as _encoder
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations

Encode = Callable[[Any], str]


@cache
def encoder(*, sort_keys: bool = False, separators: tuple[str, str] = (", ", ": "), ensure_ascii: bool = True,
            cls: type[json.JSONEncoder] | None = None) -> Encode:
    """`partial(json.dumps, sort_keys=..., separators=..., ensure_ascii=..., cls=...)`, made once."""
    make = _encoder.c_make_encoder
    base = (cls or json.JSONEncoder)(sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii)
    if make is None or base.indent is not None:
        return partial(json.dumps, sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii, cls=cls)
    string = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    # the arguments `JSONEncoder.iterencode` gives it (markers None: no circular check)
    c_encode = make(None, base.default, string, None, base.key_separator, base.item_separator,
                    base.sort_keys, base.skipkeys, base.allow_nan)

    def encode(value: Any) -> str:
        return "".join(c_encode(value, 0))

    return encode


dumps = encoder()  # json.dumps(value)
compact_sorted = encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # the audit log's form


def stores_dumps(connection) -> bool:
    """Whether this connection writes a JSON column's value as `json.dumps(value, cls=encoder)`
    (SQLite: Django's base adapter, or the hub's backend, which gives the same text)."""
    ops = connection.ops
    return connection.vendor == "sqlite" and (getattr(ops, "json_is_dumps", False)
                                              or type(ops).adapt_json_value is BaseDatabaseOperations.adapt_json_value)
