"""Small ORM helpers for hot paths."""

from __future__ import annotations

from django.db.models import QuerySet


def unique(queryset: QuerySet):
    """The row of a lookup that matches at most one (a unique field), or None: `[:1]` rather than
    `.first()`, whose ORDER BY cannot change that answer but is compiled on every call (about a
    third of such a query's cost)."""
    return next(iter(queryset[:1]), None)
