"""A bearer token that no longer authenticates (revoked) gets 401 for a retried Idempotency-Key,
not the stored answer replayed (the replay came before authentication)."""

from ewtp.accounts.services import actor_for_user, issue_token, revoke_token
from ewtp.core.actor import Role


def test_revoked_token_gets_401_not_a_replay(make_user, api_as):
    op_user = make_user(Role.HUB_OPERATOR)
    seller = make_user(Role.SELLER)
    org = seller.memberships.first().organisation
    issued = issue_token(actor_for_user(op_user), org, "erp")
    client = api_as(token=issued.secret)
    body = {"variant_id": 1, "quantity": 0}
    first = client.put("/market/cart/lines", body, key="k-revoked")
    assert first.status_code not in (401, 429) and first.status_code < 500, first.content
    revoke_token(actor_for_user(op_user), issued.token.pk)
    assert client.get("/accounts/me").status_code == 401  # the token is dead
    again = client.put("/market/cart/lines", body, key="k-revoked")
    assert again.status_code == 401, (again.status_code, again.get("Idempotent-Replayed"), again.content[:200])
