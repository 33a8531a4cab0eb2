"""The authentication middleware finds the same user as Django's `get_user`, in every case."""

import pytest
from django.contrib import auth
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from ewtp.accounts.middleware import MODEL_BACKEND, get_user
from ewtp.accounts.sessions import SessionStore


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="mw-user", password="a-long-password-1")


def _request(user, backend: str = MODEL_BACKEND, session_hash: str | None = None, user_id: str | None = None):
    s = SessionStore()
    s[auth.SESSION_KEY] = user_id if user_id is not None else str(user.pk)
    s[auth.BACKEND_SESSION_KEY] = backend
    s[auth.HASH_SESSION_KEY] = session_hash if session_hash is not None else user.get_session_auth_hash()
    s.create()
    request = RequestFactory().get("/")
    request.session = SessionStore(s.session_key)
    return request


def _both(make) -> tuple:
    """(ours, Django's) answers to two identical requests, and whether each kept its session."""
    mine, theirs = make(), make()
    a, b = get_user(mine), auth.get_user(theirs)
    return (a.pk, a.is_authenticated, mine.session.session_key is not None), \
        (b.pk, b.is_authenticated, theirs.session.session_key is not None)


def test_signed_in_user_in_one_query(user):
    request = _request(user)
    request.session.items()  # the session read apart
    with CaptureQueriesContext(connection) as ctx:
        found = get_user(request)
    assert found == user and found.is_authenticated and len(ctx.captured_queries) == 1
    ours, django = _both(lambda: _request(user))
    assert ours == django == (user.pk, True, True)


def test_inactive_changed_password_unknown_and_foreign_backend_as_django(user, django_user_model):
    assert _both(lambda: _request(user, session_hash="0" * 64)) == ((None, False, False),) * 2  # flushed
    assert _both(lambda: _request(user, user_id="999999")) == ((None, False, True),) * 2
    assert _both(lambda: _request(user, backend="elsewhere.Backend")) == ((None, False, True),) * 2
    django_user_model.objects.filter(pk=user.pk).update(is_active=False)
    assert _both(lambda: _request(user)) == ((None, False, True),) * 2


def test_a_hash_from_a_fallback_secret_is_renewed_as_by_django(user):
    old = "an-old-secret-key-that-was-rotated-out-0123456789"
    with override_settings(SECRET_KEY=old):
        old_hash = user.get_session_auth_hash()
    with override_settings(SECRET_KEY_FALLBACKS=[old]):
        ours, django = _both(lambda: _request(user, session_hash=old_hash))
        assert ours == django and ours[:2] == (user.pk, True)
        request = _request(user, session_hash=old_hash)
        get_user(request)
        assert request.session[auth.HASH_SESSION_KEY] == user.get_session_auth_hash()
