"""An amount in exponent notation beyond any trade ("1e30") is a clear 422, not a Python error."""

from __future__ import annotations

import pytest

from ewtp.core.money import Money
from ewtp.payments import escrow
from ewtp.payments.models import Escrow

pytestmark = pytest.mark.django_db


def test_seller_refund_with_an_exponent_amount_is_a_validation_error(make_user, api_as):
    """`Money("1e30", "EUR")` would overflow the decimal context when rounded (28 digits): it is
    refused as too large, so the seller's refund call answers 422 and changes nothing."""
    seller_user = make_user("seller")
    org = seller_user.memberships.first().organisation
    escrow.hold("test", order_ref="BAD-1", seller_org_id=org.pk, amount=Money("20.00", "EUR"),
                seller_currency="EUR", provider="sandbox")
    client = api_as(seller_user)
    client.client.raise_request_exception = False
    r = client.post("/payments/escrows/BAD-1/refund", {"amount": "1e30"})
    assert r.status_code == 422, (r.status_code, r.content[:200])
    assert Escrow.objects.get(order_ref="BAD-1").refunded_minor == 0
