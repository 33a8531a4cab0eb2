"""Page views with malformed or foreign input."""

from django.test import Client

from ewtp.core.actor import Role


def test_operator_sellers_post_non_numeric_organisation_is_not_500(make_user):
    """market/views.py operator_sellers: int(request.POST["organisation"]) unguarded -> ValueError."""
    c = Client(raise_request_exception=False)
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.post("/market/operator/sellers/", {"organisation": "abc", "decision": "verify"})
    assert r.status_code < 500, r.status_code


def test_operator_sellers_post_huge_organisation_is_not_500(make_user):
    c = Client(raise_request_exception=False)
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.post("/market/operator/sellers/", {"organisation": str(2**64), "decision": "verify"})
    assert r.status_code < 500, r.status_code



import pytest  # noqa: E402


@pytest.mark.parametrize("value", ["\u00b2"])
@pytest.mark.parametrize("path,field,extra", [
    ("/logistics/operator/claims/", "claim", {"decision": "reject"}),
    ("/payments/operator/refunds/", "refund_id", {"method": "provider"}),
])
def test_operator_forms_id_guarded_by_isdigit_are_not_500(make_user, path, field, extra, value):
    """logistics/views_ops.py operator_claims and payments/views.py operator_refunds guard the id
    with str.isdigit(): "²" is isdigit() but int("²") raises ValueError (500)."""
    c = Client(raise_request_exception=False)
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.post(path, {field: value, **extra})
    assert r.status_code < 500, r.status_code
