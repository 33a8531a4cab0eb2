"""Buyer identity for China's CBEC regime: the name and resident ID number the regime requires.

The 18-character PRC resident identity number ends in a check character computed with
ISO 7064 MOD 11-2 (GB 11643-1999)."""

from __future__ import annotations

import re

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def check_character(body: str) -> str:
    """The 18th character for a 17-digit body."""
    return _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def is_prc_id_number(value: str) -> bool:
    v = (value or "").strip().upper()
    return re.fullmatch(r"\d{17}[\dX]", v) is not None and check_character(v[:17]) == v[17]


def mask(value: str) -> str:
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "****"
