"""Idempotency-Key for every mutating API call.

The first answer is stored per (caller, key) and replayed for a retry; the same key with a
different request is 409; a request still running under the key is 409 too. Server errors,
401 and 429 are not stored, so those may be retried. A record left `in_progress` by a crashed
worker is considered abandoned after ABANDONED_AFTER. A secret shown once (a partner token's) is
never stored: the view names its fields (`keep_secret`) and the replay gives them empty.

This runs on every mutating call, so the claim, the answer and the clean-up are one plain SQL
statement each, in autocommit (a single statement is its own transaction: no BEGIN/COMMIT
round trips, and on SQLite the write lock is held for that statement only). Inside an outer
transaction (tests) the claim takes a savepoint so a duplicate key leaves it usable.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ewtp.core.caller import bearer_token, caller_key
from ewtp.core.errors import BadRequest, Conflict
from ewtp.core.http import error_response
from ewtp.core.models import IdempotencyRecord

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
HEADER = "Idempotency-Key"
ABANDONED_AFTER = timedelta(minutes=5)
NOT_STORED = {401, 429}
_T = IdempotencyRecord._meta.db_table
_CLAIM = (f'INSERT INTO {_T} ("key", caller, fingerprint, state, content_type, created_at) '  # noqa: S608
          "VALUES (%s, %s, %s, %s, '', %s)")
_FINISH = (f"UPDATE {_T} SET state = %s, status_code = %s, content_type = %s, body = %s "  # noqa: S608
           'WHERE caller = %s AND "key" = %s')
_FORGET = f"DELETE FROM {_T} WHERE caller = %s AND \"key\" = %s"  # noqa: S608


def _applies(request: HttpRequest) -> bool:
    if request.method not in MUTATING or not request.path.startswith("/api/"):
        return False
    exempt = getattr(settings, "EWTP_IDEMPOTENCY_EXEMPT_PREFIXES", ())
    return not any(request.path.startswith(p) for p in exempt)


def _fingerprint(request: HttpRequest) -> str:
    h = hashlib.sha256()
    h.update(request.method.encode() + b" " + request.get_full_path().encode() + b"\n")
    h.update(request.body)
    return h.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _applies(request):
            return self.get_response(request)
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 255 or not (key.isascii() and key.isprintable()):
            reason = ("required on every mutating call" if not key else "at most 255 characters" if len(key) > 255
                      else "printable ASCII characters only")
            return error_response(BadRequest(f"{HEADER} header: {reason}", code="idempotency_key", fields={HEADER: [reason]}))
        if bearer_token(request) is not None and getattr(request, "token_actor", True) is None:
            return self.get_response(request)  # a dead token: authentication answers 401, nothing replayed
        caller, fingerprint = caller_key(request), _fingerprint(request)
        replay = self._claim(caller, key, fingerprint)
        if replay is not None:
            return replay
        try:
            response = self.get_response(request)
        except BaseException:
            _execute(_FORGET, [caller, key])
            raise
        if response.status_code >= 500 or response.status_code in NOT_STORED or getattr(response, "streaming", False):
            _execute(_FORGET, [caller, key])
        else:
            _execute(_FINISH, [
                IdempotencyRecord.DONE, response.status_code, response.get("Content-Type", ""),
                _stored_body(request, bytes(response.content)), caller, key])
        return response

    def _claim(self, caller: str, key: str, fingerprint: str) -> HttpResponse | None:
        """Insert the in-progress record; None if this request now owns the key, else the
        answer to give instead (a replay, or 409)."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        try:
            if connection.in_atomic_block:
                with transaction.atomic():
                    _execute(_CLAIM, [key, caller, fingerprint, IdempotencyRecord.IN_PROGRESS, now])
            else:
                _execute(_CLAIM, [key, caller, fingerprint, IdempotencyRecord.IN_PROGRESS, now])
            return None
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:  # the other request forgot it meanwhile (an error, or a 401): claim again
            return self._claim(caller, key, fingerprint)
        if existing.fingerprint != fingerprint:
            return error_response(Conflict(
                f"this {HEADER} was already used for a different request", code="idempotency_key_reused",
                fields={HEADER: ["already used for a different request"]}))
        if existing.state == IdempotencyRecord.IN_PROGRESS:
            if timezone.now() - existing.created_at > ABANDONED_AFTER:
                existing.delete()
                return self._claim(caller, key, fingerprint)
            return error_response(Conflict(
                f"a request with this {HEADER} is still being processed", code="idempotency_in_progress"))
        replay = HttpResponse(bytes(existing.body or b""), status=existing.status_code,
                              content_type=existing.content_type or "application/json")
        replay["Idempotent-Replayed"] = "true"
        return replay


SECRET_FIELDS = "_idempotency_secret_fields"


def keep_secret(request: HttpRequest, *fields: str) -> None:
    """The answer to this request holds secrets in these top-level JSON fields: store them empty."""
    setattr(request, SECRET_FIELDS, fields)


def _stored_body(request: HttpRequest, body: bytes) -> bytes:
    fields = getattr(request, SECRET_FIELDS, ())
    if not fields:
        return body
    data = json.loads(body)
    if isinstance(data, dict):
        data.update({f: "" for f in fields if f in data})
    return json.dumps(data).encode()


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)
