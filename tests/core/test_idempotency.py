"""Idempotency-Key on every mutating call, through the real API."""

import pytest

from ewtp.accounts.models import User
from ewtp.core.models import IdempotencyRecord

pytestmark = pytest.mark.usefixtures("refdata")

BUYER = {"username": "amina", "email": "amina@example.com", "password": "a-long-passphrase-7", "country": "MY"}


def test_missing_key_is_400_and_writes_nothing(api):
    r = api.post("/accounts/buyers", BUYER, key=None)
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"Idempotency-Key": ["required on every mutating call"]}
    assert not User.objects.exists()


@pytest.mark.parametrize("key", ["k\x00-1", "k\x07", "ключ"])
def test_key_of_control_or_non_ascii_characters_is_400_and_writes_nothing(api, key):
    r = api.post("/accounts/buyers", BUYER, key=key)
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"Idempotency-Key": ["printable ASCII characters only"]}
    assert not User.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_key_forgotten_by_the_other_request_is_claimed_again(api, monkeypatch):
    """The other request failed and forgot its record between our insert's conflict and our read."""
    from ewtp.core import idempotency

    real = idempotency._execute
    calls = {"n": 0}

    def claim_conflicts_once(sql, params):
        if sql == idempotency._CLAIM and calls["n"] == 0:
            calls["n"] += 1
            from django.db import IntegrityError

            raise IntegrityError("the other request held the key")
        return real(sql, params)

    monkeypatch.setattr(idempotency, "_execute", claim_conflicts_once)
    r = api.post("/accounts/buyers", BUYER, key="k-forgotten")
    assert r.status_code == 201 and calls["n"] == 1
    assert User.objects.filter(username="amina").count() == 1


def test_retry_returns_the_first_answer_and_creates_once(api):
    first = api.post("/accounts/buyers", BUYER, key="k-1")
    again = api.post("/accounts/buyers", BUYER, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="amina").count() == 1


def test_same_key_different_body_is_409(api):
    api.post("/accounts/buyers", BUYER, key="k-2")
    r = api.post("/accounts/buyers", {**BUYER, "username": "other"}, key="k-2")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert not User.objects.filter(username="other").exists()


def test_keys_are_per_caller(api_as, make_user):
    a, b = api_as(make_user("hub_operator")), api_as(make_user("hub_operator"))
    body = {"kind": "logistics", "name": "Carrier", "country": "CN"}
    ra = a.post("/accounts/organisations", body, key="same")
    rb = b.post("/accounts/organisations", body, key="same")
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["id"] != rb.json()["id"]


def test_a_validation_error_is_replayed_too(api):
    bad = {**BUYER, "country": "XX"}
    r1 = api.post("/accounts/buyers", bad, key="k-3")
    r2 = api.post("/accounts/buyers", bad, key="k-3")
    assert r1.status_code == r2.status_code == 422
    assert r1.json() == r2.json()


def test_in_progress_key_is_409(api):
    from hashlib import sha256

    from ewtp.core.caller import caller_key  # noqa: F401 - documents where the caller comes from

    body = b'{"username": "x"}'
    fp = sha256(b"POST /api/v1/accounts/buyers\n" + body).hexdigest()
    IdempotencyRecord.objects.create(caller="anon:127.0.0.1", key="busy", fingerprint=fp)
    r = api.post("/accounts/buyers", raw=body.decode(), key="busy")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_in_progress"


def test_get_needs_no_key(api):
    assert api.get("/reference/currencies").status_code == 200
