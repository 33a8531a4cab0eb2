import hashlib

import pytest

from ewtp.accounts import services
from ewtp.accounts.models import ApiToken, Membership, Organisation, User
from ewtp.core.actor import Role
from ewtp.core.audit import verify
from ewtp.core.errors import Conflict, Forbidden, ValidationFailed
from ewtp.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("refdata")


def test_seller_signup_creates_an_organisation_with_an_owner():
    user = services.signup_seller(username="siti", email="siti@example.com", password="batik-and-tea-42",
                                  country="MY", company_name="Siti Batik")
    m = Membership.objects.get(user=user)
    assert m.role == Membership.OWNER and m.organisation.kind == Organisation.SELLER
    actor = services.actor_for_user(user)
    assert actor.role == Role.SELLER and actor.org_ids == {m.organisation_id}
    assert verify().ok
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "accounts.create_user", "accounts.create_organisation"]


def test_bad_signup_writes_nothing():
    with pytest.raises(ValidationFailed) as exc:
        services.signup_seller(username="x", email="bad", password="123", country="ZZ", company_name="C")
    assert {"email", "password", "country"} <= set(exc.value.fields)
    assert not User.objects.exists() and not Organisation.objects.exists() and not AuditEntry.objects.exists()


def test_customs_officer_needs_a_jurisdiction():
    with pytest.raises(ValidationFailed) as exc:
        services.create_user("test", username="o", email="o@example.com", password="long-enough-pass-1",
                             role=Role.CUSTOMS_OFFICER)
    assert "jurisdiction" in exc.value.fields


def test_tokens_are_stored_hashed_and_shown_once(make_user):
    op = services.actor_for_user(make_user(Role.HUB_OPERATOR))
    org = services.create_organisation(op, kind=Organisation.LOGISTICS, name="Cainiao-like", country="CN")
    issued = services.issue_token(op, org, "tracking feed")
    tok = ApiToken.objects.get()
    assert issued.secret.startswith("ewtp_") and issued.secret not in (tok.digest, tok.prefix)
    assert tok.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    actor = services.actor_for_token(issued.secret)
    assert actor.role == Role.LOGISTICS_PARTNER and actor.org_ids == {org.pk} and actor.user_id is None
    services.revoke_token(op, tok.pk)
    assert services.actor_for_token(issued.secret) is None
    with pytest.raises(Conflict):
        services.revoke_token(op, tok.pk)


def test_only_operators_issue_tokens(make_user):
    seller = make_user(Role.SELLER)
    with pytest.raises(Forbidden):
        services.issue_token(services.actor_for_user(seller), seller.memberships.get().organisation, "mine")


def test_generated_passwords_pass_the_validators_even_for_long_usernames():
    # A random 22-character string is "too similar" to a 19-character username now and then
    # (Django compares character overlap): CI once failed on exactly this.
    from django.contrib.auth.password_validation import validate_password

    username, email = "s-phuketcashewhouse", "s-phuketcashewhouse@demo.ewtp.invalid"
    for _ in range(300):
        validate_password(services.generate_password(username, email), User(username=username, email=email))


def test_an_account_created_without_a_password_cannot_sign_in():
    user = services.create_user("test", username="never-signs-in", email="n@example.com", password=None,
                                role=Role.BUYER)
    assert not user.has_usable_password()
