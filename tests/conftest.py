"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
EWTP_DATABASE_URL points there (see .ci/run)."""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from ewtp.core.actor import Role

pytest_plugins = ["tests.browser.fixtures"]

# In CI (CI=true) property tests run derandomized: the same cases every run, so a red build is a
# code change, never luck. Locally they keep exploring new cases.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests create many users; the production hasher's cost only slows them down."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; ids are reused after rollbacks, so start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A page request in another language leaves it active in the thread (LocaleMiddleware
    activates, nothing deactivates): later tests would get their messages in Malay."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def refdata(db):
    """Countries, currencies and HS codes (loaded once per database; transactional tests flush them)."""
    from ewtp.rules.models import HSCode
    from ewtp.rules.refdata import load_reference_data

    if not HSCode.objects.exists():
        load_reference_data()


@pytest.fixture
def network(refdata):
    """The hub network and its rates (ewtp/logistics/data/network.toml): checkout quotes shipping from it."""
    from ewtp.logistics.models import Hub
    from ewtp.logistics.network import load_network

    if not Hub.objects.exists():
        load_network()


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    """make_user(role, organisation=None, jurisdiction="") -> User, created through the service."""
    from ewtp.accounts.models import Organisation
    from ewtp.accounts.services import create_user

    def make(role: str = Role.BUYER, *, organisation=None, jurisdiction: str = "", org_kind: str | None = None,
             username: str | None = None):
        n = next(_seq)
        if organisation is None and (org_kind or role in (Role.SELLER, Role.LOGISTICS_PARTNER, Role.PAYMENT_PARTNER)):
            kind = org_kind or {Role.SELLER: Organisation.SELLER, Role.LOGISTICS_PARTNER: Organisation.LOGISTICS,
                                Role.PAYMENT_PARTNER: Organisation.PAYMENT}[role]
            organisation = Organisation.objects.create(kind=kind, name=f"Org {n}", country="MY")
        if role == Role.CUSTOMS_OFFICER and not jurisdiction:
            jurisdiction = "CN"
        return create_user("test", username=username or f"{role}-{n}", email=f"u{n}@example.com", password=PASSWORD,
                           role=role, jurisdiction=jurisdiction, organisation=organisation, country="MY")

    return make


class ApiClient:
    """JSON client for /api/v1 that sends an Idempotency-Key on mutating calls unless told not to."""

    def __init__(self, client: Client, token: str | None = None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get("/api/v1" + path, params, **self.headers)

    def _send(self, method: str, path: str, body=None, *, key: str | None = "auto", raw: str | None = None, **headers):
        h = dict(self.headers)
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            h["HTTP_IDEMPOTENCY_KEY"] = key
        h.update(headers)
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return getattr(self.client, method)("/api/v1" + path, data=data, content_type="application/json", **h)

    def post(self, path: str, body=None, **kw):
        return self._send("post", path, body, **kw)

    def put(self, path: str, body=None, **kw):
        return self._send("put", path, body, **kw)

    def delete(self, path: str, body=None, **kw):
        return self._send("delete", path, body, **kw)


@pytest.fixture
def api(db) -> ApiClient:
    """Anonymous API client."""
    return ApiClient(Client())


@pytest.fixture
def api_as(db) -> Callable[..., ApiClient]:
    """api_as(user) -> session-authenticated client; api_as(token="...") -> bearer client."""

    def make(user=None, *, token: str | None = None) -> ApiClient:
        c = Client()
        if user is not None:
            c.force_login(user)
        return ApiClient(c, token)

    return make


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
