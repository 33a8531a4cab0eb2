from dataclasses import dataclass

import pytest

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Forbidden, NotFound
from ewtp.core.permissions import AccessScope, can_access, require_access, require_role


@dataclass
class Thing:
    scope: AccessScope

    def access_scope(self) -> AccessScope:
        return self.scope


seller_a = Actor(role=Role.SELLER, user_id=1, org_ids=frozenset({10}))
seller_b = Actor(role=Role.SELLER, user_id=2, org_ids=frozenset({20}))
officer_cn = Actor(role=Role.CUSTOMS_OFFICER, user_id=3, jurisdiction="CN")
officer_my = Actor(role=Role.CUSTOMS_OFFICER, user_id=4, jurisdiction="MY")
operator = Actor(role=Role.HUB_OPERATOR, user_id=5)
buyer = Actor(role=Role.BUYER, user_id=6)


def test_organisation_objects_are_seen_by_their_members_only():
    order = Thing(AccessScope(org_id=10, user_id=6))
    assert can_access(seller_a, order)
    assert not can_access(seller_b, order)
    assert can_access(buyer, order)
    assert can_access(operator, order)


def test_jurisdiction_objects_are_seen_by_officers_of_that_jurisdiction():
    decl = Thing(AccessScope(jurisdiction="CN"))
    assert can_access(officer_cn, decl)
    assert not can_access(officer_my, decl)
    assert not can_access(seller_a, decl)


def test_a_seller_with_the_same_jurisdiction_string_is_not_an_officer():
    sneaky = Actor(role=Role.SELLER, user_id=9, jurisdiction="CN")
    assert not can_access(sneaky, Thing(AccessScope(jurisdiction="CN")))


def test_require_access_hides_by_default_and_can_say_forbidden():
    t = Thing(AccessScope(org_id=10))
    with pytest.raises(NotFound):
        require_access(seller_b, t)
    with pytest.raises(Forbidden):
        require_access(seller_b, t, hide=False)
    require_access(seller_a, t)


def test_require_role():
    require_role(operator, [Role.ANALYST])  # operators may do everything
    with pytest.raises(Forbidden):
        require_role(buyer, [Role.HUB_OPERATOR])


def test_get_accessible_hides_others_objects(make_user):
    from ewtp.accounts.models import Organisation
    from ewtp.accounts.services import actor_for_user
    from ewtp.core.permissions import get_accessible

    a, b = make_user(Role.SELLER), make_user(Role.SELLER)
    org_b = b.memberships.get().organisation_id
    assert get_accessible(actor_for_user(b), Organisation, "organisation", pk=org_b).pk == org_b
    with pytest.raises(NotFound):
        get_accessible(actor_for_user(a), Organisation, "organisation", pk=org_b)
    with pytest.raises(NotFound):
        get_accessible(actor_for_user(a), Organisation.objects.all(), "organisation", pk=10**9)
