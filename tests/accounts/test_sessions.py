"""The session engine reads sessions with plain SQL: the same answers as Django's database store."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from ewtp.accounts.sessions import SessionStore


def test_reads_what_djangos_store_wrote(db):
    s = DjangoStore()
    s["_auth_user_id"], s["n"] = "7", [1, 2]
    s.create()
    ours = SessionStore(s.session_key)
    assert ours["_auth_user_id"] == "7" and ours["n"] == [1, 2]
    assert ours.session_key == s.session_key


def test_unknown_or_expired_session_is_empty_and_forgets_the_key(db):
    assert dict(SessionStore("x" * 32).items()) == {}
    s = DjangoStore()
    s["k"] = "v"
    s.create()
    Session.objects.filter(session_key=s.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(s.session_key)
    assert expired.get("k") is None and expired.session_key is None
    mirror = DjangoStore(s.session_key)
    assert mirror.get("k") is None and mirror.session_key is None  # Django's store agrees


def test_signed_in_api_call_goes_through_the_engine(db, client, django_user_model):
    user = django_user_model.objects.create_user(username="sess-user", password="a-long-password-1")
    client.force_login(user)
    assert client.session.__class__.__module__ == "ewtp.accounts.sessions"
    r = client.get("/api/v1/market/cart")
    assert r.status_code == 200 and r.json() == []
