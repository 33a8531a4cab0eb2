"""Several rows of one model updated by one statement run for each row.

`compiled.save_fields` for a batch: the same UPDATE by primary key, each value through its field's
`pre_save` and `get_db_prep_save` as `save` does, but the statement is sent once with every row's
values (`executemany`) instead of once per row — a batch that re-matches thousands of parcels
spent more on sending the statement than on running it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DatabaseError, connections
from django.db.models import Model

_UPDATES: dict[tuple, tuple[str, list]] = {}  # (vendor, model, fields) -> (SQL, fields)


def save_many(objs: Sequence[Model], fields: Sequence[str], using: str = "default") -> None:
    """`obj.save(update_fields=fields)` for each of `objs` (saved rows of one model without its own
    `save`), in one `executemany`; a row that is gone is refused as `save` refuses it. No signals."""
    if not objs:
        return
    connection = connections[using]
    model = type(objs[0])
    if (model.save is not Model.save or not fields
            or any(type(o) is not model or o.pk is None for o in objs)):
        raise TypeError("save_many() takes saved rows of one model without its own save, and fields")
    key = (connection.vendor, model, tuple(fields))
    plan = _UPDATES.get(key)
    if plan is None:
        opts = model._meta
        targets = [opts.get_field(f) for f in fields]
        if any(not f.concrete or f.primary_key or f.generated for f in targets):
            raise TypeError("save_many() writes concrete, non-key fields")
        qn = connection.ops.quote_name
        plan = (f"UPDATE {qn(opts.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in targets)} "  # noqa: S608
                f"WHERE {qn(opts.pk.column)} = %s", targets)
        _UPDATES[key] = plan
    sql, targets = plan
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="save", fields=targets)  # as save: no unsaved parents
        params = []
        for f in targets:
            value = f.pre_save(obj, False)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"save_many() takes plain values, not expressions ({f.name})")
            params.append(f.get_db_prep_save(value, connection))
        params.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
        rows.append(params)
    with connection.cursor() as cur:
        cur.executemany(sql, rows)
        # the drivers sum the rows each run changed (-1: not known)
        if cur.rowcount not in (-1, len(rows)):
            raise DatabaseError("Save with update_fields did not affect any rows.")
    for obj in objs:
        obj._state.adding, obj._state.db = False, using
