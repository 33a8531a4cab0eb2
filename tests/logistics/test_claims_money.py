"""Claims pay no more than is owed: a buyer's ceiling is what it paid less what came back; a
carrier never owes above its liability cap, FX round trip included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.core.errors import Conflict
from ewtp.core.money import Money
from ewtp.logistics import claims
from ewtp.logistics.models import Claim
from ewtp.payments import services
from ewtp.payments.models import Escrow
from tests.logistics.factories_ops import Network, parties, pay_order, pin_rates, shipment
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


def _paid_then_refunded(make_user, monkeypatch, refunded: str, reason: str):
    """A parcel in transit, paid 100.00 EUR, `refunded` of it back to the buyer out of escrow."""
    pin_rates(monkeypatch)
    seller, _, buyer_user = parties(make_user)
    s = shipment(Network(), seller=seller, buyer=buyer_user, status="in_transit")
    pay_order(s, "100.00", "EUR")
    services.request_refund("test", s.order_ref, Money(refunded, "EUR"), reason)
    flush_webhooks()
    return s, buyer_user


def test_buyer_refunded_in_full_cannot_claim_again(make_user, monkeypatch):
    """Paid 100.00 EUR, refunded in full out of escrow (customs refused entry); a `lost` claim for
    another 100.00 is refused: the buyer is out of pocket 0.00."""
    s, buyer_user = _paid_then_refunded(make_user, monkeypatch, "100.00", "refused entry by customs")
    assert Escrow.objects.get(order_ref=s.order_ref).refunded_minor == 10000

    with pytest.raises(Conflict, match="nothing left to claim"):
        claims.file_claim(actor_for_user(buyer_user), s.tracking_no, Claim.LOST, Decimal("100.00"), ["never arrived"])
    assert not Claim.objects.exists()


def test_carrier_never_owes_more_than_its_cap():
    """The carrier's part is converted from the cap (rounded down) and booked back in the
    carrier's currency at the reverse rate (half-up): with a KRW 123,456,789 cap and a claim in
    GBP the round trip came to KRW 123,456,790; the part steps down until it fits."""
    from datetime import date

    from ewtp.payments import adjustments, fx

    on, rates = date(2025, 1, 2), fx.SAMPLE_RATES
    cap = Money("123456789", "KRW")
    part = adjustments.carrier_share(Money("99999999.00", "GBP"), cap, on, rates)
    owes = fx.convert(part, "KRW", on, rates, Decimal(0)).gross
    assert owes <= cap, f"carrier part {part} -> owes {owes} > cap {cap}"


def test_buyer_partly_refunded_claims_at_most_the_rest(make_user, monkeypatch):
    from ewtp.core.errors import ValidationFailed

    s, buyer_user = _paid_then_refunded(make_user, monkeypatch, "30.00", "one item out of stock")
    with pytest.raises(ValidationFailed, match="70.00"):
        claims.file_claim(actor_for_user(buyer_user), s.tracking_no, Claim.LOST, Decimal("70.01"), ["never arrived"])
    c = claims.file_claim(actor_for_user(buyer_user), s.tracking_no, Claim.LOST, Decimal("70.00"), ["never arrived"])
    assert (c.amount_minor, c.currency) == (7000, "EUR")
