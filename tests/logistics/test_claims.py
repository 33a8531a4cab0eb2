"""Claims through the ledger: the carrier's liability up to its cap (FX'd into the carrier's
currency as a receivable), the rest from the hub; to the buyer via a provider refund or to the
seller's balance; the operator decides; the books verify."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.logistics import claims
from ewtp.logistics.models import Claim
from ewtp.payments import accounts, adjustments
from ewtp.payments.models import FxConversion, Refund
from ewtp.payments.verify import verify
from tests.logistics.factories_ops import Network, deliver, parties, pay_order, pin_rates, shipment
from tests.payments.conftest import RATES
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(monkeypatch):
    return pin_rates(monkeypatch)


@pytest.fixture
def case(make_user):
    seller, seller_user, buyer = parties(make_user)
    s = shipment(Network(), seller=seller, buyer=buyer, status="in_transit", weight="1.250")
    pay_order(s, "100.00", "EUR")
    return s, actor_for_user(buyer), actor_for_user(seller_user)


def test_lost_parcel_buyer_paid_by_carrier_up_to_its_cap_rest_by_hub(case):
    s, buyer, seller = case
    c = claims.file_claim(buyer, s.tracking_no, Claim.LOST, Decimal("80.00"), ["tracking stopped at LGG on 3 Dec"])
    assert (c.amount_minor, c.currency) == (8000, "EUR")
    with pytest.raises(Forbidden):
        claims.decide(seller, c.pk, approve=True, liable=Claim.HUB)
    with pytest.raises(ValidationFailed):
        claims.decide(SYSTEM, c.pk, approve=True, liable=Claim.CARRIER, carrier_code="MAERSK")  # not on the route
    # DHLX: 20.00 EUR per kg x 1.250 kg = 25.00 EUR cap
    c = claims.decide(SYSTEM, c.pk, approve=True, liable=Claim.CARRIER, carrier_code="DHLX", note="lost in transit")
    assert c.state == Claim.PAID and c.liable_carrier.code == "DHLX" and c.ledger_ref.startswith("tx:")
    assert adjustments.carrier_receivable("DHLX", "EUR").balance == Money("-25.00", "EUR")
    assert adjustments.hub_claims("EUR").balance == Money("-55.00", "EUR")
    assert accounts.refunds_out("sandbox", "EUR").balance == Money("80.00", "EUR")
    flush_webhooks()
    assert Refund.objects.get(reason=f"claim claim:{c.pk}").state == Refund.SUCCEEDED
    assert accounts.refunds_out("sandbox", "EUR").balance_minor == 0
    with pytest.raises(Conflict):
        claims.decide(SYSTEM, c.pk, approve=False, note="again")
    assert verify().ok


def test_damaged_seller_claim_carrier_in_another_currency(case):
    s, buyer, seller = case
    with pytest.raises(Conflict, match="once the shipment is delivered"):
        claims.file_claim(seller, s.tracking_no, Claim.DAMAGED, Decimal("10.00"), ["photo:cup-1.jpg"])
    deliver(s)
    with pytest.raises(Conflict, match="not lost"):
        claims.file_claim(seller, s.tracking_no, Claim.LOST, Decimal("10.00"), ["photo:cup-1.jpg"])
    with pytest.raises(ValidationFailed):  # above the declared value of 39.50 EUR
        claims.file_claim(seller, s.tracking_no, Claim.DAMAGED, Decimal("40.00"), ["photo:cup-1.jpg"])
    with pytest.raises(ValidationFailed):
        claims.file_claim(seller, s.tracking_no, Claim.DAMAGED, Decimal("10.00"), [])
    c = claims.file_claim(seller, s.tracking_no, Claim.DAMAGED, Decimal("15.50"), ["photo:cup-1.jpg", "cup broken"])
    with pytest.raises(Conflict, match="already has a claim"):
        claims.file_claim(buyer, s.tracking_no, Claim.DAMAGED, Decimal("5.00"), ["dent"])
    # CNPOST: 60 CNY per kg x 1.25 kg = 75.00 CNY cap = 9.61 EUR at 7.80 (rounded down)
    c = claims.decide(SYSTEM, c.pk, approve=True, liable=Claim.CARRIER, carrier_code="CNPOST")
    assert accounts.seller_available(s.seller_id, "EUR").balance == Money("15.50", "EUR")
    assert adjustments.hub_claims("EUR").balance == Money("-5.89", "EUR")
    conv = FxConversion.objects.get()
    assert (conv.from_currency, conv.to_currency, conv.from_minor, conv.gross_minor, conv.margin_minor) == (
        "EUR", "CNY", 961, 7496, 0)  # 9.61 EUR x 7.80 = 74.958 -> 74.96 CNY, within the 75.00 cap
    assert adjustments.carrier_receivable("CNPOST", "CNY").balance == Money("-74.96", "CNY")
    assert verify().ok


def test_hub_liable_and_rejection(case, make_user):
    s, buyer, seller = case
    with pytest.raises(NotFound):
        claims.file_claim(actor_for_user(make_user(Role.SELLER)), s.tracking_no, Claim.LOST, Decimal("1"), ["x"])
    c = claims.file_claim(buyer, s.tracking_no, Claim.LOST, Decimal("100.00"), ["never arrived"])
    with pytest.raises(ValidationFailed):
        claims.decide(SYSTEM, c.pk, approve=False)
    c = claims.decide(SYSTEM, c.pk, approve=False, note="the parcel was delivered to a neighbour")
    assert c.state == Claim.REJECTED
    c2 = claims.file_claim(buyer, s.tracking_no, Claim.LOST, Decimal("100.00"), ["still not here"])
    claims.decide(SYSTEM, c2.pk, approve=True, liable=Claim.HUB)
    assert adjustments.hub_claims("EUR").balance == Money("-100.00", "EUR")
    assert verify().ok


def test_carrier_share_never_exceeds_cap():
    on = RATES.as_of
    assert adjustments.carrier_share(Money("80.00", "EUR"), Money("25.00", "EUR"), on, RATES) == Money("25.00", "EUR")
    assert adjustments.carrier_share(Money("8.00", "EUR"), Money("25.00", "EUR"), on, RATES) == Money("8.00", "EUR")
    assert adjustments.carrier_share(Money("80.00", "EUR"), Money("75.00", "CNY"), on, RATES) == Money("9.61", "EUR")
