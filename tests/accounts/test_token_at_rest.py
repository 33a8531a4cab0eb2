"""POST /accounts/tokens answers with the plain secret once; the idempotency record keeps the
answer with the secret empty (it kept it in clear, while the ApiToken row keeps only a hash)."""

from ewtp.core.actor import Role
from ewtp.core.models import IdempotencyRecord


def test_issued_token_secret_not_stored_in_clear(make_user, api_as):
    op = api_as(make_user(Role.HUB_OPERATOR))
    seller = make_user(Role.SELLER)
    org = seller.memberships.first().organisation
    r = op.post("/accounts/tokens", {"organisation_id": org.pk, "name": "erp"}, key="k-token-1")
    assert r.status_code == 201, r.content
    secret = r.json()["token"]
    stored = b"".join(bytes(rec.body or b"") for rec in IdempotencyRecord.objects.all())
    assert secret.encode() not in stored
    again = op.post("/accounts/tokens", {"organisation_id": org.pk, "name": "erp"}, key="k-token-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == {**r.json(), "token": ""}  # the same token's record, its secret shown once only
