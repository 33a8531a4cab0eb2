"""Returns through the ledger: refund from escrow while held, from the seller's balance (with FX)
once released; the window, who decides, the reverse shipment, and the order following."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.logistics import returns
from ewtp.logistics.documents import cn23
from ewtp.logistics.documents.common import parcel_for_documents
from ewtp.logistics.models import ReturnRequest, Shipment
from ewtp.payments import accounts, escrow
from ewtp.payments.models import Escrow, FxConversion, Refund
from ewtp.payments.verify import verify
from tests.logistics.factories_ops import (
    Network,
    deliver,
    parties,
    pay_order,
    pin_rates,
    shipment,
    sold_with_failing_refunds,
)
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    return pin_rates(monkeypatch)


@pytest.fixture
def case(make_user):
    seller, seller_user, buyer = parties(make_user)
    s = deliver(shipment(Network(), seller=seller, buyer=buyer))
    pay_order(s, "100.00", "EUR", duty="6.00", tax="21.00")
    return s, actor_for_user(buyer), actor_for_user(seller_user)


def test_return_refunded_out_of_escrow(case):
    s, buyer, seller = case
    r = returns.request_return(buyer, s.tracking_no, "wrong size")
    assert Escrow.objects.get(order_ref=s.order_ref).hold_reason == returns.HOLD_REASON
    with pytest.raises(Conflict, match="already has a return"):
        returns.request_return(buyer, s.tracking_no, "again")
    r = returns.decide(seller, r.pk, approve=True)
    back = r.return_shipment
    assert back.direction == Shipment.RETURN and back.ship_to["name"] == "Hangzhou Tea Co"
    assert (back.origin_hub.code, back.destination_hub.code) == ("LGG", "HGH")
    assert [leg.carrier.code for leg in back.legs.order_by("seq")] == ["BPOST", "DHLX", "CNPOST"]
    label_parcel = parcel_for_documents(buyer, back.parcels.get().tracking_no)  # the buyer prints its return label
    assert label_parcel.items.count() == 2 and cn23.category(label_parcel) == "Returned goods"
    r = returns.confirm_receipt(seller, r.pk, "as new, in original box")
    assert r.state == ReturnRequest.REFUNDED and r.refund_source == "escrow"
    assert (r.refund_minor, r.refund_currency) == (10000, "EUR")  # duty and tax never left escrow: all back
    assert r.duty_tax_refund == "refunded_with_escrow"
    e = Escrow.objects.get(order_ref=s.order_ref)
    assert e.state == Escrow.VOIDED and e.hold_reason == ""
    flush_webhooks()
    assert Refund.objects.get(escrow=e).state == Refund.SUCCEEDED
    assert verify().ok


def test_return_after_release_comes_from_seller_balance_with_fx(case, rates):
    s, buyer, seller = case
    escrow.release("test", s.order_ref, rates=rates)
    # the seller's share of this order (less the fee and FX margin) is short of what the buyer
    # paid for goods and shipping: another order's money makes up the difference
    escrow.hold("test", order_ref="OTHER-1", seller_org_id=s.seller_id, amount=Money("50.00", "EUR"),
                seller_currency="CNY", provider="sandbox")
    escrow.release("test", "OTHER-1", rates=rates)
    before = accounts.seller_available(s.seller_id, "CNY").balance_minor
    r = returns.request_return(buyer, s.tracking_no, "broken lid")
    assert Escrow.objects.get(order_ref=s.order_ref).hold_reason == ""  # nothing left to hold
    returns.decide(seller, r.pk, approve=True)
    r = returns.confirm_receipt(seller, r.pk, "lid cracked")
    assert r.refund_source == "seller_balance" and (r.refund_minor, r.refund_currency) == (7300, "EUR")
    assert r.duty_tax_refund == "to_reclaim_from_authority"  # 27.00 EUR sit with the Belgian authority
    conv = FxConversion.objects.order_by("-pk").first()
    # 73.00 EUR -> CNY at 7.80: 569.40 gross, 0.5% margin 2.85: the seller pays 572.25
    assert (conv.from_currency, conv.to_currency, conv.gross_minor, conv.margin_minor) == ("EUR", "CNY", 56940, 285)
    assert before - accounts.seller_available(s.seller_id, "CNY").balance_minor == 57225
    assert accounts.refunds_out("sandbox", "EUR").balance == Money("73.00", "EUR")
    flush_webhooks()
    assert accounts.refunds_out("sandbox", "EUR").balance_minor == 0
    assert verify().ok


def test_refund_refused_when_seller_balance_is_short(case, rates):
    s, buyer, seller = case
    escrow.release("test", s.order_ref, rates=rates)
    from ewtp.payments import services

    services.run_payouts("test", seller_org_id=s.seller_id)  # the seller's balance has been paid out
    r = returns.request_return(buyer, s.tracking_no, "not as described")
    returns.decide(seller, r.pk, approve=True)
    with pytest.raises(Conflict):
        returns.confirm_receipt(seller, r.pk, "fine")
    r.refresh_from_db()
    assert r.state == ReturnRequest.APPROVED and r.refund_minor is None  # nothing half-done
    assert verify().ok


def test_window_and_who_decides(case, settings, make_user):
    s, buyer, seller = case
    later = s.delivered_at + timedelta(days=15)
    with pytest.raises(Conflict, match="window closed"):
        returns.request_return(buyer, s.tracking_no, "late", now=later)
    with pytest.raises(Forbidden):
        returns.set_window(buyer, s.seller_id, 30)
    returns.set_window(seller, s.seller_id, 30)
    with pytest.raises(ValidationFailed):
        returns.set_window(seller, s.seller_id, 400)
    with pytest.raises(ValidationFailed):
        returns.set_window(SYSTEM, 2**62, 10)  # no such seller
    with pytest.raises(NotFound):
        returns.request_return(actor_for_user(make_user(Role.BUYER)), s.tracking_no, "not mine")
    with pytest.raises(Forbidden):
        returns.request_return(seller, s.tracking_no, "seller cannot")
    r = returns.request_return(buyer, s.tracking_no, "late but inside 30 days", now=later)
    with pytest.raises(Conflict, match="seller decides until"):
        returns.decide(SYSTEM, r.pk, approve=False, note="no")
    with pytest.raises(Forbidden):
        returns.decide(buyer, r.pk, approve=True)
    with pytest.raises(ValidationFailed):
        returns.decide(seller, r.pk, approve=False)
    settings.EWTP_LOGISTICS_RETURN_SELLER_DAYS = 3
    overdue = timezone.now() + timedelta(days=4)
    assert list(returns.awaiting_operator(overdue)) == [r]
    r = returns.decide(SYSTEM, r.pk, approve=False, note="used goods", now=overdue)
    assert r.state == ReturnRequest.REJECTED and r.decided_by == "system"
    assert Escrow.objects.get(order_ref=s.order_ref).hold_reason == ""
    with pytest.raises(Conflict):
        returns.confirm_receipt(seller, r.pk, "never came")


def test_not_delivered_no_return(make_user):
    net = Network()
    seller = make_user(Role.SELLER).memberships.first().organisation
    buyer = make_user(Role.BUYER)
    s = shipment(net, seller=seller, buyer=buyer, status="in_transit")
    with pytest.raises(Conflict, match="delivered"):
        returns.request_return(Actor(role=Role.BUYER, user_id=buyer.pk), s.tracking_no, "changed my mind")


def test_failed_refund_from_seller_balance_goes_back_to_the_seller(make_user, rates):
    s, seller_user, buyer = sold_with_failing_refunds(make_user, rates)
    before = accounts.seller_available(s.seller_id, "CNY").balance_minor
    r = returns.request_return(actor_for_user(buyer), s.tracking_no, "faulty")
    returns.decide(actor_for_user(seller_user), r.pk, approve=True)
    returns.confirm_receipt(actor_for_user(seller_user), r.pk, "faulty indeed")
    assert accounts.seller_available(s.seller_id, "CNY").balance_minor < before
    flush_webhooks()
    assert Refund.objects.get(escrow__order_ref=s.order_ref).state == Refund.FAILED
    assert accounts.seller_available(s.seller_id, "CNY").balance_minor == before  # reversed exactly
    assert Escrow.objects.get(order_ref=s.order_ref).refunded_minor == 0
    assert accounts.refunds_out("sandbox", "EUR").balance_minor == 0
    assert verify().ok


def test_reverse_shipments_within_the_network_memo_are_as_without(make_user):
    """Within `network_memo` (the simulator's returns) each reverse lane is looked up once: two
    returns get the same legs, parcels and items as one made without it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ewtp.logistics.reverse import create_reverse_shipment
    from ewtp.logistics.shipments import network_memo

    seller, _, buyer = parties(make_user)
    net = Network()
    originals = [deliver(shipment(net, seller=seller, buyer=buyer)) for _ in range(3)]

    def made(back):
        return ([(leg.seq, leg.kind, leg.lane_id, leg.carrier_id, leg.planned_days) for leg in back.legs.order_by("seq")],
                [(p.seq, p.weight_kg, [(i.seq, i.sku, i.quantity, i.value) for i in p.items.order_by("pk")])
                 for p in back.parcels.order_by("seq")])

    plain = made(create_reverse_shipment(originals[0]))
    with network_memo():
        first = create_reverse_shipment(originals[1])
        with CaptureQueriesContext(connection) as ctx:
            second = create_reverse_shipment(originals[2])
    assert made(first) == made(second) == plain and plain[0]
    assert not any('FROM "logistics_lane"' in q["sql"] for q in ctx.captured_queries)  # the lanes remembered
