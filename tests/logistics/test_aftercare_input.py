"""The buyer's returns-and-claims page refuses a claim amount that is no sane number ("NaN",
"Infinity", "1e30") with a form message, as the API's ClaimIn does with 422 (it was a 500)."""

import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.logistics.models import Claim
from tests.logistics.factories_ops import Network, deliver, pay_order, pin_rates, shipment


@pytest.fixture(autouse=True)
def rates(monkeypatch):
    return pin_rates(monkeypatch)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e30"])
def test_claim_amount_non_finite_is_a_form_error_not_500(make_user, amount):
    seller_user, buyer = make_user(Role.SELLER), make_user(Role.BUYER)
    s = deliver(shipment(Network(), seller=seller_user.memberships.first().organisation, buyer=buyer))
    pay_order(s, "60.00", "EUR")
    c = Client(raise_request_exception=False)
    c.force_login(buyer)
    r = c.post(f"/logistics/shipments/{s.tracking_no}/returns-claims/",
               {"form": "claim", "kind": "damaged", "amount": amount, "evidence": "x"})
    assert r.status_code < 500, r.status_code
    assert not Claim.objects.exists()
