"""Django's SQLite backend with four savings on the hub's hot paths (ENGINE "ewtp.core.sqlite").

- Django rewrites every statement's "%s" placeholders to sqlite3's "?" with a regular expression,
  on every call; the hub runs the same statements over and over, so the rewrite is kept per text.
- A savepoint (every service's transaction inside a batch is one) is sent on the raw connection
  instead of through a new Django cursor for each of its two statements.
- A JSON column value is encoded by an encoder made once (`core.jsontext`: the same text).
- A UTC datetime parameter (nearly every one: the hub stores UTC) is written as Django writes it,
  without converting it to UTC again; a datetime read back is made aware the same way, directly.

The rewrite and the savepoints fall back to Django's own path when queries are being logged (DEBUG, the tests' query
counters), so what is logged and counted does not change; the SQL sent is the same either way.
"""

from __future__ import annotations

import datetime as dt

from django.db.backends.sqlite3 import base, operations

from ewtp.core import jsontext

_QMARK: dict[str, str] = {}
_QMARK_MAX = 8192  # distinct statement texts kept (IN lists of many lengths make many)


class _Cursor(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list | None = None) -> str:
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        converted = _QMARK.get(query)
        if converted is None:
            converted = super().convert_query(query)
            if len(_QMARK) < _QMARK_MAX:
                _QMARK[query] = converted
        return converted


class DatabaseOperations(operations.DatabaseOperations):
    # JSON column values are `json.dumps(value, cls=encoder)`, as Django's: the same text
    json_is_dumps = True

    def adapt_json_value(self, value, encoder):
        return jsontext.encoder(cls=encoder)(value)

    def adapt_datetimefield_value(self, value):
        # Django's answer for an aware UTC value when the connection's zone is UTC: the naive
        # text of the same moment
        if type(value) is dt.datetime and value.tzinfo is dt.UTC and self.connection.timezone is dt.UTC:
            return value.isoformat(" ")[:-6]  # str() of its naive form, less the "+00:00"
        return super().adapt_datetimefield_value(value)

    def adapt_datetime_iso(self, value, iso: str):
        """`adapt_datetimefield_value(value)` when `iso` is `value.isoformat()` (the audit log has
        it already): an aware UTC value's naive text is that text with a space for its T, less
        its "+00:00"."""
        if type(value) is dt.datetime and value.tzinfo is dt.UTC and self.connection.timezone is dt.UTC:
            return f"{iso[:10]} {iso[11:-6]}"
        return self.adapt_datetimefield_value(value)

    def convert_datetimefield_value(self, value, expression, connection):
        # a column value the driver already parsed (naive): Django's answer when the zone is UTC
        if type(value) is dt.datetime and value.tzinfo is None and self.connection.timezone is dt.UTC:
            return value.replace(tzinfo=dt.UTC)
        return super().convert_datetimefield_value(value, expression, connection)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def create_cursor(self, name: str | None = None):
        return self.connection.cursor(factory=_Cursor)

    def _run(self, sql: str) -> None:
        # as Django's cursor would: refuse a broken transaction, translate driver errors
        self.validate_no_broken_transaction()
        with self.wrap_database_errors:
            self.connection.execute(sql)

    def _savepoint(self, sid: str) -> None:
        if self.queries_logged:
            return super()._savepoint(sid)
        self._run(self.ops.savepoint_create_sql(sid))

    def _savepoint_rollback(self, sid: str) -> None:
        if self.queries_logged:
            return super()._savepoint_rollback(sid)
        self._run(self.ops.savepoint_rollback_sql(sid))

    def _savepoint_commit(self, sid: str) -> None:
        if self.queries_logged:
            return super()._savepoint_commit(sid)
        self._run(self.ops.savepoint_commit_sql(sid))
