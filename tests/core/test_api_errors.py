"""Every error status of the API has the one error shape; bad input writes nothing."""

import pytest
from django.test import override_settings

from ewtp.accounts.models import Organisation, User

pytestmark = pytest.mark.usefixtures("refdata")


def _shape(r, status):
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_400_malformed_json(api):
    err = _shape(api.post("/accounts/buyers", raw="{not json"), 400)
    assert "not valid JSON" in err["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "a", "email": "a@b.co", "password": "x" * 12, "country": "MY", "admin": True}, "admin"),
        ({"username": "a", "email": "a@b.co", "password": "x" * 12, "country": 5}, "country"),
        ({"username": "a" * 151, "email": "a@b.co", "password": "x" * 12, "country": "MY"}, "username"),
        ({"username": "a", "email": "a@b.co", "password": "x" * 12, "country": "XX"}, "country"),
        ({"username": "a", "email": "not-an-email", "password": "long-enough-pass-1", "country": "MY"}, "email"),
        ({"username": "a", "email": "a@b.co", "password": "short", "country": "MY"}, "password"),
        ({"email": "a@b.co", "password": "x" * 12, "country": "MY"}, "username"),
    ],
)
def test_422_names_the_field_and_writes_nothing(api, body, field):
    err = _shape(api.post("/accounts/buyers", body), 422)
    assert field in err["fields"], err
    assert not User.objects.exists()


def test_401_without_credentials(api):
    _shape(api.get("/accounts/me"), 401)


def test_401_with_a_bad_token(api_as):
    _shape(api_as(token="ewtp_not-a-real-token").get("/accounts/me"), 401)


def test_403_wrong_role(api_as, make_user):
    err = _shape(api_as(make_user("seller")).post("/accounts/organisations",
                                                  {"kind": "payment", "name": "P", "country": "MY"}), 403)
    assert err["code"] == "forbidden"
    assert not Organisation.objects.filter(name="P").exists()


def test_404_for_another_organisations_object(api_as, make_user):
    mine, theirs = make_user("seller"), make_user("seller")
    org_id = theirs.memberships.get().organisation_id
    _shape(api_as(mine).get(f"/accounts/organisations/{org_id}"), 404)
    assert api_as(theirs).get(f"/accounts/organisations/{org_id}").status_code == 200


def test_404_unknown_endpoint(api):
    _shape(api.get("/no/such/thing"), 404)


def test_409_forbidden_state_change(api_as, make_user):
    op = api_as(make_user("hub_operator"))
    org = op.post("/accounts/organisations", {"kind": "logistics", "name": "L", "country": "CN"}).json()
    tok = op.post("/accounts/tokens", {"organisation_id": org["id"], "name": "t"}).json()
    assert op.post(f"/accounts/tokens/{tok['id']}/revoke").status_code == 200
    err = _shape(op.post(f"/accounts/tokens/{tok['id']}/revoke"), 409)
    assert err["code"] == "token_revoked"


@override_settings(EWTP_RATE_LIMIT_PER_MINUTE=3)
def test_429_rate_limit_per_caller(api_as, api, make_user):
    from django.core.cache import cache

    cache.clear()
    client = api_as(make_user("buyer"))
    statuses = [client.get("/accounts/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    _shape(client.get("/accounts/me"), 429)
    assert api.get("/reference/currencies").status_code == 200  # another caller is unaffected
    cache.clear()


@pytest.mark.parametrize("bad", ["nul\u0000byte", "lone \udb7f surrogate"])
def test_unstorable_text_is_422_not_500(api, bad):
    """Found by schemathesis on PostgreSQL: a NUL character reached the database."""
    body = {"username": bad, "email": "a@b.co", "password": "long-enough-pass-1", "country": "MY"}
    err = _shape(api.post("/accounts/buyers", raw=__import__("json").dumps(body)), 422)
    assert "username" in err["fields"]
    if "\x00" in bad:  # (a lone surrogate cannot even be put into a URL)
        assert api.get("/market/products", q=bad).status_code == 422
