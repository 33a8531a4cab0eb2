"""Querysets compiled to SQL once per connection, then run again with other values.

On the checkout's hot paths, building a query through the ORM (filters, joins, the select list,
the converters) cost several times running it. A `CompiledQuery` builds its queryset once with
stand-in values, keeps the SQL and where those values sit among its parameters, and on each call
runs the SQL with the real values — then turns the rows into instances exactly as iterating the
queryset does (Django's converters, `from_db`, `select_related` populators), so callers get the
same objects. Only for querysets whose SQL does not depend on the values: equality lookups and
`__in` lists (the plan is per list length); never None (that would need `IS NULL`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar
from weakref import ref

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

from ewtp.core.prepare import preparer

M = TypeVar("M", bound=Model)
_LARGE = 7_340_251_000_000  # stand-in integers no real parameter looks like: one compile finds the slots
# Django drops a value out of its integer field's range from the SQL (a SmallIntegerField on
# PostgreSQL): then two compiles with small stand-ins that fit every integer field, a slot being
# where their parameters differ (a constant of the query is the same in both)
_SMALL = (1_000, 17_000)
_MAX_INT = 2**63 - 1  # beyond a 64-bit integer no row can match (Django answers empty too)


@dataclass
class _Plan:
    sql: str
    params: list
    # (parameter position, argument, index in a list argument, the driver's wrapper of the value or
    # None: PostgreSQL's backend sends a small integer as psycopg's Int2, say)
    slots: list[tuple[int, int, int | None, type | None]]
    compiler: Any
    converters: dict
    init_list: list[str]
    start: int
    end: int
    populators: list
    for_update: bool
    connection: ref  # the connection it was compiled for (plans are per thread, as connections are)


def _stand_in(base: int, n: int, text: bool) -> int | str:
    # a text stand-in no real value holds (a control character no code or reference carries)
    return f"\x1fcq{base + n}\x1f" if text else base + n


def _stand_ins(args: Sequence, texts: frozenset[int], base: int) -> tuple[list, dict]:
    values, where = [], {}
    n = 0
    for i, a in enumerate(args):
        if isinstance(a, list | tuple):
            vals = []
            for j in range(len(a)):
                vals.append(_stand_in(base, n, i in texts))
                where[vals[-1]] = (i, j)
                n += 1
            values.append(vals)
        else:
            values.append(_stand_in(base, n, i in texts))
            where[values[-1]] = (i, None)
            n += 1
    return values, where


def _slots(params: Sequence, where: dict, other: Sequence | None = None) -> list[tuple[int, int, int | None, type | None]]:
    """The parameter positions holding a stand-in (and, given the other compile's parameters,
    differing from them), with the driver's wrapper of the value if any."""
    return [(k, *where[p], None if type(p) in (int, str) else type(p)) for k, p in enumerate(params)
            if isinstance(p, int | str) and p in where and (other is None or other[k] != p)]


class CompiledQuery(Generic[M]):
    """`CompiledQuery(lambda pk: Model.objects.filter(pk=pk).select_related(...))(42)` is the list
    the queryset would give, without building the query again. `texts`: the positions of the
    arguments that are strings (or lists of strings) — equality lookups on text columns."""

    def __init__(self, build: Callable[..., QuerySet[M]], using: str = "default", *, texts: Sequence[int] = ()):
        self._build = build
        self._using = using
        self._texts = frozenset(texts)
        self._local = threading.local()  # {shape: plan} per thread

    def _compile(self, connection, args: Sequence, base: int) -> tuple[Any, str, tuple, dict]:
        values, where = _stand_ins(args, self._texts, base)
        qs = self._build(*values)
        if qs._iterable_class is not ModelIterable or qs._prefetch_related_lookups or qs._known_related_objects:
            raise TypeError("CompiledQuery runs plain model querysets (select_related, no prefetch)")
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        return compiler, sql, params, where

    def _plan(self, connection, args: Sequence) -> _Plan:
        shape = tuple(len(a) if isinstance(a, list | tuple) else -1 for a in args)
        plans = self._local.__dict__.setdefault("plans", {})
        plan = plans.get(shape)
        if plan is not None and plan.connection() is connection:
            return plan
        try:
            compiler, sql, params, where = self._compile(connection, args, _LARGE)
            slots = _slots(params, where)
            reached = len({(a, j) for _, a, j, _ in slots}) == len(where)
        except EmptyResultSet:  # Django's answer to a value out of its field's range
            reached = False
        if not reached:
            compiler, sql, params, where = self._compile(connection, args, _SMALL[0])
            _, other_sql, other, _ = self._compile(connection, args, _SMALL[1])
            slots = _slots(params, where, other)
        else:
            other_sql = sql
        if other_sql != sql or len({(a, j) for _, a, j, _ in slots}) != len(where):
            raise TypeError("CompiledQuery: a value did not reach the SQL as a parameter")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        plan = _Plan(sql, list(params), slots, compiler, compiler.get_converters([s[0] for s in select[:compiler.col_count]]),
                     [f[0].target.attname for f in select[start:end]], start, end,
                     get_related_populators(klass_info, select, connection.alias),
                     bool(compiler.query.select_for_update), ref(connection))
        plans[shape] = plan
        return plan

    def __call__(self, *args: int | str | Sequence[int] | Sequence[str]) -> list[M]:
        connection = connections[self._using]
        values: list = []
        for i, a in enumerate(args):
            many = isinstance(a, list | tuple)
            if i in self._texts:
                if not all(type(v) is str for v in (a if many else (a,))):
                    raise TypeError("CompiledQuery: a text argument takes strings or lists of strings")
                if many and not a:
                    return []  # as Django: an empty list matches nothing
                values.append(list(a) if many else a)
                continue
            for v in (a if many else (a,)):
                if not isinstance(v, int) or isinstance(v, bool):
                    raise TypeError("CompiledQuery takes integers or lists of integers")
            # a value beyond a 64-bit integer matches no row: as Django, answer nothing (from a list,
            # drop it) rather than let the database driver fail on it
            ok = [v for v in (a if many else (a,)) if -_MAX_INT - 1 <= v <= _MAX_INT]
            if not ok:
                return []
            values.append(ok if many else a)
        args = tuple(values)
        plan = self._plan(connection, args)
        if plan.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(plan.params)
        for k, a, j, wrap in plan.slots:
            v = args[a] if j is None else args[a][j]
            params[k] = v if wrap is None else wrap(v)
        with connection.cursor() as cur:
            cur.execute(plan.sql, params)
            rows = cur.fetchall()
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        model = plan.compiler.klass_info["model"]
        out = []
        for row in rows:
            obj = model.from_db(connection.alias, plan.init_list, row[plan.start:plan.end])
            for p in plan.populators:
                p.populate(row, obj)
            out.append(obj)
        return out

    def first(self, *args: int | str | Sequence[int] | Sequence[str]) -> M | None:
        """The first row the call gives, or None (for a queryset of at most one row: `[:1]`)."""
        rows = self(*args)
        return rows[0] if rows else None


_INSERTS: dict[tuple, str] = {}  # (vendor, model, rows) -> SQL


def _writable(opts) -> list:
    return [f for f in opts.concrete_fields if f is not opts.pk and not f.generated]


def _insert_sql(connection, opts, fields: list, rows: int) -> str:
    """One INSERT of `rows` rows of these fields, answering the new primary keys."""
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * rows)} RETURNING {qn(opts.pk.column)}")


def _returning(connection, sql: str, params: list) -> list:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [r[0] for r in cur.fetchall()]


def insert(objs: Sequence[M], using: str = "default", prepared: dict[str, Sequence[Any]] | None = None) -> Sequence[M]:
    """`Model.objects.bulk_create(objs)` for new rows of one model with an automatic primary key,
    without the ORM's per-call query building: the statement is made once per number of rows;
    each value still goes through its field's `pre_save` (auto_now) and `get_db_prep_save`, as the
    ORM's insert does. Sets each object's primary key and saved state. No signals, as bulk_create.
    `prepared`: {field name: one database value per row}, sent as given where the row's value is
    not None (a caller that has what `get_db_prep_save` would give, e.g. `market.encoded`)."""
    if not objs:
        return objs
    connection = connections[using]
    model = type(objs[0])
    opts = model._meta
    if not opts.pk.db_returning or any(type(o) is not model or o.pk is not None for o in objs):
        raise TypeError("insert() takes new rows of one model with an automatic primary key")
    fields = _writable(opts)
    key = (connection.vendor, model, len(objs))
    sql = _INSERTS.get(key)
    if sql is None:
        sql = _INSERTS[key] = _insert_sql(connection, opts, fields, len(objs))
    params = []
    prepared = prepared or {}
    preps = [(f, preparer(f, connection)) for f in fields]
    for n, obj in enumerate(objs):
        obj._prepare_related_fields_for_save(operation_name="insert")  # as bulk_create: no unsaved parents
        for f, prep in preps:
            if f.name in prepared:  # None is SQL NULL, as the field writes it
                params.append(None if getattr(obj, f.attname) is None else prepared[f.name][n])
                continue
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert() takes plain values, not expressions ({f.name})")
            params.append(prep(value))
    ids = _returning(connection, sql, params)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    return objs


_VALUES: dict[tuple, str] = {}  # (vendor, model, names, rows) -> SQL
VALUE_PARAMS = 999  # parameters per INSERT of `insert_values`: SQLite's oldest bound-parameter limit


def insert_values(model: type[Model], names: tuple[str, ...], rows: list[tuple], using: str = "default") -> list[int]:
    """`insert` of new rows given as the values of the fields `names` (by attname, `order_id`),
    every other field at its constant default, without a model instance per row (rows no caller
    gets back, e.g. an order's lines). Each value through its field's preparer, as `insert` does;
    as many rows per statement as stay under VALUE_PARAMS parameters, in order; answers the new
    ids in the rows' order."""
    if not rows:
        return []
    connection = connections[using]
    preps = [preparer(model._meta.get_field(n), connection) for n in names]
    rest = _rest(model, names)
    defaults = [preparer(f, connection)(f.get_default()) for f in rest]
    per = max(1, VALUE_PARAMS // (len(names) + len(rest)))
    ids: list[int] = []
    for start in range(0, len(rows), per):
        part = rows[start:start + per]
        params = []
        for values in part:
            params += [prep(v) for prep, v in zip(preps, values, strict=True)]
            params += defaults
        ids += _returning(connection, _values_sql(connection, model, names, rest, len(part)), params)
    return ids


@cache
def _rest(model: type[Model], names: tuple[str, ...]) -> list:
    """The writable fields not in `names` (made once per model and names): each must have a
    constant default."""
    fields = _writable(model._meta)
    by_name = {f.attname: f for f in fields}
    rest = [f for f in fields if f.attname not in names]
    if (set(names) - by_name.keys() or any(not f.has_default() or callable(f.default)
                                           or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                                           for f in rest)):
        raise TypeError("insert_values names every field without a constant default")
    return rest


def _values_sql(connection, model: type[Model], names: tuple[str, ...], rest: list, rows: int) -> str:
    key = (connection.vendor, model, names, rows)
    sql = _VALUES.get(key)
    if sql is None:
        by_name = {f.attname: f for f in _writable(model._meta)}
        sql = _VALUES[key] = _insert_sql(connection, model._meta, [by_name[n] for n in names] + rest, rows)
    return sql


def create(model: type[M], **values: Any) -> M:
    """`model.objects.create(**values)` through `insert` (one new row; no signals — the hub has
    no receivers — and the statement is not built again on every call)."""
    return insert([model(**values)])[0]


_UPDATES: dict[tuple, tuple[str, list]] = {}  # (vendor, model, fields) -> (SQL, fields)


def _update_plan(connection, model: type[Model], fields: Sequence[str], name: str) -> tuple[str, list]:
    """The UPDATE by primary key of these fields, made once per model and field list."""
    key = (connection.vendor, model, tuple(fields))
    plan = _UPDATES.get(key)
    if plan is None:
        opts = model._meta
        targets = [opts.get_field(f) for f in fields]
        if any(not f.concrete or f.primary_key or f.generated for f in targets):
            raise TypeError(f"{name}() writes concrete, non-key fields")
        qn = connection.ops.quote_name
        plan = (f"UPDATE {qn(opts.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in targets)} "  # noqa: S608
                f"WHERE {qn(opts.pk.column)} = %s", targets)
        _UPDATES[key] = plan
    return plan


def _update_params(obj: Model, targets: list, connection, name: str) -> list:
    """One row's values for `_update_plan`'s statement, as `save` prepares them."""
    obj._prepare_related_fields_for_save(operation_name="save", fields=targets)  # as save: no unsaved parents
    params = []
    for f in targets:
        value = f.pre_save(obj, False)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{name}() takes plain values, not expressions ({f.name})")
        params.append(preparer(f, connection)(value))
    params.append(type(obj)._meta.pk.get_db_prep_value(obj.pk, connection))
    return params


def save_fields(obj: Model, fields: Sequence[str], using: str = "default") -> None:
    """`obj.save(update_fields=fields)` without the ORM's per-call query building: one UPDATE by
    primary key, made once per model and field list; each value through its field's `pre_save`
    (auto_now) and `get_db_prep_save`, and a row that is gone refused as `save` refuses it.
    No signals (the hub has none); models with their own `save` are refused."""
    connection = connections[using]
    model = type(obj)
    if model.save is not Model.save or obj.pk is None or not fields:
        raise TypeError("save_fields() takes a saved row of a model without its own save, and fields")
    sql, targets = _update_plan(connection, model, fields, "save_fields")
    params = _update_params(obj, targets, connection, "save_fields")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        if cur.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding, obj._state.db = False, using


def save_many(objs: Sequence[Model], fields: Sequence[str], using: str = "default") -> None:
    """`save_fields` for several rows of one model: the same statement sent once with every row's
    values (`executemany`) — a batch that re-matches thousands of parcels spent more on sending the
    statement than on running it. A row that is gone is refused as `save` refuses it."""
    if not objs:
        return
    connection = connections[using]
    model = type(objs[0])
    if (model.save is not Model.save or not fields
            or any(type(o) is not model or o.pk is None for o in objs)):
        raise TypeError("save_many() takes saved rows of one model without its own save, and fields")
    sql, targets = _update_plan(connection, model, fields, "save_many")
    rows = [_update_params(obj, targets, connection, "save_many") for obj in objs]
    with connection.cursor() as cur:
        cur.executemany(sql, rows)
        # the drivers sum the rows each run changed (-1: not known)
        if cur.rowcount not in (-1, len(rows)):
            raise DatabaseError("Save with update_fields did not affect any rows.")
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def get_or_create(found: Callable[..., list[M]], args: Sequence, model: type[M], using: str = "default",
                  **values: Any) -> tuple[M, bool]:
    """`model.objects.get_or_create(...)` on a unique lookup, as Django runs it — the row if
    `found(*args)` has it, else a new row in a savepoint, and the row a concurrent writer made
    first on a unique conflict — with the lookup compiled and the row written by `insert`."""
    hit = found(*args)
    if hit:
        return hit[0], False
    try:
        with transaction.atomic(using=using):
            return insert([model(**values)], using)[0], True
    except IntegrityError:
        hit = found(*args)
        if hit:
            return hit[0], False
        raise
