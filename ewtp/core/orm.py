"""Small ORM helpers for hot paths."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

T = TypeVar("T")

IN_LIMIT = 500  # values per `IN (...)`: under SQLite's bound-parameter limit with room for the rest


def chunks(seq: Sequence[T], size: int = IN_LIMIT) -> Iterator[Sequence[T]]:
    """`seq` in slices of at most `size`, for lookups by a list that may be longer than one
    statement takes."""
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def unique(queryset: QuerySet):
    """The row of a lookup that matches at most one (a unique field), or None: `[:1]` rather than
    `.first()`, whose ORDER BY cannot change that answer but is compiled on every call (about a
    third of such a query's cost)."""
    return next(iter(queryset[:1]), None)


def update_by_value(objs: Sequence[Model], fields: Sequence[str], chunk: int = IN_LIMIT) -> None:
    """Write `fields` of saved rows as `bulk_update` does, with one plain UPDATE per distinct set
    of values (chunked under SQLite's parameter limit): rows that share their new values (a batch
    of outbox rows marked delivered at one moment) take one statement, and no CASE over every row
    is built, which cost Django more than running it."""
    if not objs:
        return
    groups: dict[tuple, list[Any]] = {}
    for obj in objs:
        key = tuple(getattr(obj, obj._meta.get_field(f).attname) for f in fields)
        groups.setdefault(key, []).append(obj.pk)
    manager = type(objs[0])._base_manager
    for key, pks in groups.items():
        values = dict(zip((type(objs[0])._meta.get_field(f).attname for f in fields), key, strict=True))
        for part in chunks(pks, chunk):
            manager.filter(pk__in=part).update(**values)
