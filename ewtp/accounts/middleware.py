"""Django's authentication middleware, with the signed-in user read by a compiled query; and the
bearer token of a partner's call resolved once, before idempotency may replay an answer.

Every signed-in call loads its user. `ModelBackend.get_user` builds that one primary-key lookup
through the ORM on each request, which cost more than running it; here a session signed in through
`ModelBackend` loads the user with a `CompiledQuery` and the same `is_active` rule. Everything else
is `django.contrib.auth.get_user` (Django 5.2) as it is: other backends, the session hash check
with its fallback secrets, flushing a session that no longer verifies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from ewtp.accounts.models import User
from ewtp.accounts.services import actor_for_token
from ewtp.core.caller import bearer_token
from ewtp.core.compiled import CompiledQuery

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_user_by_pk = CompiledQuery(lambda pk: User.objects.filter(pk=pk))


def _backend_user(backend_path: str, user_id):
    if backend_path != MODEL_BACKEND:
        return load_backend(backend_path).get_user(user_id)
    found = _user_by_pk(user_id) if isinstance(user_id, int) else list(User.objects.filter(pk=user_id))
    return found[0] if found and ModelBackend().user_can_authenticate(found[0]) else None


def get_user(request: HttpRequest):
    """`django.contrib.auth.get_user`, loading a ModelBackend user through `_backend_user`."""
    user = None
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            user = _backend_user(backend_path, user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    # as Django: a hash made with a fallback secret is renewed, any other ends the session
                    if session_hash and any(constant_time_compare(session_hash, h)
                                            for h in user.get_session_auth_fallback_hash()):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _cached_user(request: HttpRequest):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # its checks, and request.auser
        request.user = SimpleLazyObject(lambda: _cached_user(request))



class TokenMiddleware:
    """`request.token_actor`: the actor of the call's bearer token, or None when the token is not
    valid (unknown or revoked). Resolved before the idempotency middleware, which must not replay a
    stored answer to a token that no longer authenticates; the API's TokenAuth reuses it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = bearer_token(request)
        if token is not None:
            request.token_actor = actor_for_token(token)
        return self.get_response(request)
