"""A stable key for "who is calling" at the HTTP edge, used by idempotency and rate limits."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def caller_key(request: HttpRequest) -> str:
    token = bearer_token(request)
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anon:" + request.META.get("REMOTE_ADDR", "")
