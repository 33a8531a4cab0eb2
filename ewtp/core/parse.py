"""Whole numbers from form fields and headers, without surprises.

`str.isdigit()` is true for "²" and other Unicode digits that `int()` refuses, and `int()` takes
numbers no database id can hold: a guard written with them let "²" or "2**64" through to a 500."""

from __future__ import annotations

import json
import re

_INT = re.compile(r"-?[0-9]{1,19}")  # then bounded: a signed 64-bit column at most
DB_ID_MAX = 2**63 - 1


def digits(text: str) -> bool:
    """Only ASCII digits, at least one (`str.isdigit()` takes "²" and "１" too)."""
    return text.isascii() and text.isdigit()


def form_int(text: str | None, *, low: int = 0, high: int = DB_ID_MAX) -> int | None:
    """The ASCII whole number in `text` (surrounding spaces allowed) if it lies in [low, high], else None."""
    text = (text or "").strip()
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


MAX_JSON_DEPTH = 32  # documents and baskets nest a few levels; deeper is an attack or a mistake


def load_json(body: bytes | str, max_depth: int = MAX_JSON_DEPTH):
    """json.loads, refusing (ValueError) a body nested deeper than `max_depth`: deep nesting made
    the parser or the walks over the result overflow the stack (a RecursionError, a 500)."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    stack = [(data, 1)]
    while stack:  # iterative: a recursive check would overflow on exactly what it looks for
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > max_depth:
                raise ValueError(f"nested more than {max_depth} levels deep")
            stack.extend((v, depth + 1) for v in (node.values() if isinstance(node, dict) else node))
    return data
