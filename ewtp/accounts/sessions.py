"""Django's database sessions, read with one plain statement.

Every signed-in API call loads its session first; through the ORM, building that one lookup
cost several times running it. Writing, expiry and everything else are Django's own."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        conn = connections[router.db_for_read(model)]
        qn = conn.ops.quote_name
        sql = (f"SELECT {qn('session_data')} FROM {qn(model._meta.db_table)} "  # noqa: S608
               f"WHERE {qn('session_key')} = %s AND {qn('expire_date')} > %s")
        with conn.cursor() as cur:
            cur.execute(sql, [self.session_key, conn.ops.adapt_datetimefield_value(timezone.now())])
            row = cur.fetchone()
        if row is None:  # unknown or expired: as Django's, forget the key so a new one is made
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
