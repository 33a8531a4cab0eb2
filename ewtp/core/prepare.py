"""A field's database value, as `Field.get_db_prep_save` gives it, with the common cases short.

Django prepares each value through three or four method calls (`get_db_prep_save` →
`get_db_prep_value` → `get_prep_value` → `to_python`, then the backend's adapter); on the hub's
batch writes that was about 5% of a simulated lifecycle. For the plain value types the hub writes
(text, int, bool, aware UTC datetime, finite Decimal, dict/list JSON) into Django's own field
classes, the answer is the backend's adapter applied to the value itself; anything else (None, a
subclass, a naive datetime, a lazy string, a field class of our own) takes Django's full path.
`tests/core/test_prepare.py` holds each short path to Django's answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import models

_TEXT = (models.CharField, models.TextField)
_INTEGERS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
             models.PositiveSmallIntegerField, models.PositiveBigIntegerField)
_AUTO = (models.AutoField, models.BigAutoField)
_KEYS = (models.ForeignKey, models.OneToOneField)

Prep = Callable[[Any], Any]


def _short(field: models.Field, connection) -> Prep | None:
    """The short path for this field on this connection, or None (Django's path for every value)."""
    slow = partial(field.get_db_prep_save, connection=connection)
    ops, kind = connection.ops, type(field)
    if kind in _TEXT:
        return lambda v: v if type(v) is str else slow(v)
    if kind in _INTEGERS:
        adapt_int, internal = ops.adapt_integerfield_value, field.get_internal_type()
        return lambda v: adapt_int(v, internal) if type(v) is int else slow(v)
    if kind in _KEYS and type(field.target_field) in _AUTO:
        check = ops.validate_autopk_value  # an auto key's preparation: int, then this check
        return lambda v: check(v) if type(v) is int else slow(v)
    if kind is models.DateTimeField:
        adapt_dt = ops.adapt_datetimefield_value
        return lambda v: adapt_dt(v) if type(v) is dt.datetime and v.tzinfo is dt.UTC else slow(v)
    if kind is models.BooleanField:
        return lambda v: v if type(v) is bool else slow(v)
    if kind is models.DecimalField:
        adapt_dec, digits, places = ops.adapt_decimalfield_value, field.max_digits, field.decimal_places
        return lambda v: adapt_dec(v, digits, places) if type(v) is Decimal and v.is_finite() else slow(v)
    if kind is models.JSONField:
        adapt_json, encoder = ops.adapt_json_value, field.encoder
        return lambda v: adapt_json(v, encoder) if type(v) is dict or type(v) is list else slow(v)
    return None


def preparer(field: models.Field, connection) -> Prep:
    """`field.get_db_prep_save(value, connection)` as a function of the value, made once per
    connection and field (the adapters are the connection's own)."""
    cache: dict[models.Field, Prep] | None = getattr(connection, "_ewtp_preparers", None)
    if cache is None:
        cache = connection._ewtp_preparers = {}
    prep = cache.get(field)
    if prep is None:
        prep = cache[field] = _short(field, connection) or partial(field.get_db_prep_save, connection=connection)
    return prep
