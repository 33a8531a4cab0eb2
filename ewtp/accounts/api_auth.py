"""API authentication: a partner's bearer token or a signed-in user's session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from ewtp.accounts.services import actor_for_token, actor_for_user
from ewtp.core.actor import Actor


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        # resolved once by accounts.middleware.TokenMiddleware (the same header)
        return request.token_actor if hasattr(request, "token_actor") else actor_for_token(token)


class UserSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return actor_for_user(user)
        return None


AUTH = [TokenAuth(), UserSessionAuth()]


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined,return-value]
