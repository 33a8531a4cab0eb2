import pytest

pytestmark = pytest.mark.usefixtures("refdata")


def test_partner_token_round_trip(api_as, make_user):
    op = api_as(make_user("hub_operator"))
    org = op.post("/accounts/organisations", {"kind": "payment", "name": "Pay", "country": "SG"}).json()
    issued = op.post("/accounts/tokens", {"organisation_id": org["id"], "name": "webhooks"})
    assert issued.status_code == 201
    secret = issued.json()["token"]
    partner = api_as(token=secret)
    me = partner.get("/accounts/me").json()
    assert me == {"role": "payment_partner", "user_id": None, "organisations": [org["id"]], "jurisdiction": ""}
    listed = op.get("/accounts/tokens").json()
    assert all("token" not in t for t in listed)  # the secret is never shown again
    op.post(f"/accounts/tokens/{issued.json()['id']}/revoke")
    assert partner.get("/accounts/me").status_code == 401


def test_partner_sees_only_its_own_organisation(api_as, make_user):
    a, b = make_user("logistics_partner"), make_user("logistics_partner")
    listed = api_as(a).get("/accounts/organisations").json()
    assert [o["id"] for o in listed] == [a.memberships.get().organisation_id]
    assert api_as(a).get(f"/accounts/organisations/{b.memberships.get().organisation_id}").status_code == 404
