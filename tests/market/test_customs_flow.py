"""A marketplace order reaches customs: documents pushed by their responsible parties, the
declaration from the frozen quote, release -> `cleared` with duty and tax on the payable accounts,
rejection -> refund; all by polling (`sync_customs`), idempotent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.core.errors import Conflict
from ewtp.customs import declarations, returns
from ewtp.customs.models import Declaration, Parcel, TradeDocument
from ewtp.market import orders
from ewtp.market.models import CbecUsage, Order
from ewtp.market.process import sync_customs, sync_payments
from ewtp.payments import accounts
from ewtp.payments.models import Escrow, Refund
from ewtp.payments.verify import verify
from tests.market.customs_helpers import push_test_waybill
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_process import CN, _paid_order

DE = {**AU, "country": "DE", "city": "Berlin", "postcode": "10115", "line1": "Unter den Linden 1"}
MY = {**AU, "country": "MY", "city": "Kuala Lumpur", "postcode": "50450", "line1": "1 Jalan Ampang"}
REGISTRATION = {"EU-IOSS": "IM2760000001", "MY-LVG": "W10-1808-31000123"}


@pytest.fixture
def registered(make_seller, make_product):
    """registered(country, currency, scheme, price, hs) -> [variant id] of a seller registered for
    the destination's collection scheme (IOSS, LVG), so the hub collects the tax at checkout."""
    from ewtp.market import catalogue, sellers

    def make(country="MY", currency="MYR", scheme="EU-IOSS", price="45.00", hs="610910"):
        actor, org = make_seller(country, currency)
        sellers.add_registration(actor, org, scheme, REGISTRATION[scheme])
        w = catalogue.create_warehouse(actor, org, name="main", country=country)
        v = make_product(actor, org, title=f"Item {org}", price=price, hs=hs, origin=country,
                         sku=f"R{org}").variants.get()
        catalogue.set_stock(actor, v.pk, w.pk, 5)
        return [v.pk]

    return make


def _shipped(order: Order) -> Order:
    orders.transition(SYSTEM, order.pk, Order.ACCEPTED)
    return orders.transition(SYSTEM, order.pk, Order.SHIPPED)


def _declared(buyer, make, dest, **kw) -> Order:  # noqa: F811
    [v] = make(**kw)
    order = _paid_order(buyer, v, dest)
    assert sync_payments() == 1
    first = sync_customs()
    assert (first.documents, first.failed) == (1, [])
    assert Parcel.objects.get(order_no=order.reference).status == Parcel.AWAITING
    kinds = set(TradeDocument.objects.filter(order_no=order.reference).values_list("kind", "pushed_by"))
    assert {k for k, _ in kinds} == {"order", "payment"}
    order = _shipped(order)
    push_test_waybill(order)
    assert Parcel.objects.get(order_no=order.reference).status == Parcel.MATCHED
    return order


@pytest.mark.parametrize(("dest", "jurisdiction", "regime", "currency", "kw", "scheme"), [
    (CN, "CN", "9610", "CNY", {"price": "200.00", "hs": "090240"}, "CN-CBEC"),
    (DE, "DE", "EU-IOSS", "EUR", {"scheme": "EU-IOSS"}, "EU-IOSS"),
    (MY, "MY", "MY-LVG", "MYR", {"country": "CN", "currency": "CNY", "scheme": "MY-LVG", "price": "60.00"}, "MY-LVG"),
])
def test_paid_order_to_paid_tax_return(buyer, registered, dest, jurisdiction, regime, currency, kw,  # noqa: F811
                                       scheme, client, make_user):
    """placed + paid -> documents -> reconciliation -> declaration -> release -> `cleared` ->
    payable postings -> a return built from it, filed and paid -> the ledger proves it all."""
    order = _declared(buyer, registered, dest, **kw)
    out = sync_customs()
    assert (out.inventories, out.cleared, out.failed) == (1, 1, [])
    decl = Declaration.objects.get(parcel__order_no=order.reference)
    engine = order.snapshot["engine"]
    assert decl.status == declarations.RELEASED and decl.jurisdiction == jurisdiction and decl.regime == regime
    assert decl.currency == currency == engine["currency"]
    assert (decl.duty, decl.tax_total) == (Decimal(engine["totals"]["duty"]), Decimal(engine["totals"]["tax"]))
    assert {c["rule"]["id"] for c in decl.charges} == {c["rule"]["id"] for c in engine["charges"]
                                                       if c["kind"] in ("duty", "tax")}
    assert decl.declarant == decl.withholding_agent == "eWTP hub (EWTPHUB)"
    assert decl.parcel.seller_id == order.seller_id
    client.force_login(make_user("customs_officer", jurisdiction=jurisdiction))  # the officer sees the rules
    page = client.get(f"/customs/declarations/{decl.pk}/").content.decode()
    assert all(f"<code>{c['rule']['id']}</code> v{c['rule']['version']}" in page for c in decl.charges)
    assert Order.objects.get(pk=order.pk).state == Order.CLEARED
    # duty and tax left escrow for the payable accounts at release
    e = Escrow.objects.get(order_ref=order.reference)
    due = int((decl.duty + decl.tax_total) * 100)
    assert e.released_minor == due and e.duty_minor == e.tax_minor == 0
    assert accounts.tax_payable(jurisdiction, currency).total_minor == int(decl.tax_total * 100)
    assert accounts.duty_payable(jurisdiction, currency).total_minor == int(decl.duty * 100)
    again = sync_customs()
    assert (again.documents, again.inventories, again.cleared, again.refunded) == (0, 0, 0, 0)
    assert verify().ok, verify().problems

    today = timezone.localdate()
    period = f"{today.year}-{today.month:02d}"
    built, _ = returns.build(SYSTEM, period, jurisdiction)
    [ret] = [r for r in built if r.scheme == scheme]
    assert [li.declaration_id for li in ret.lines.all()] == [decl.pk]
    assert ret.currency == currency and ret.tax_total == decl.tax_total and ret.duty_total == decl.duty
    assert sum(Decimal(t["amount"]) for t in ret.totals) == decl.duty + decl.tax_total
    returns.file_return(SYSTEM, ret.pk, today=ret.period_end + timedelta(days=1))
    paid = returns.pay_return(SYSTEM, ret.pk)
    assert paid.status == "paid" and paid.settlement_tx
    assert accounts.tax_payable(jurisdiction, currency).total_minor == 0
    assert accounts.duty_payable(jurisdiction, currency).total_minor == 0
    with pytest.raises(Conflict):
        returns.pay_return(SYSTEM, ret.pk)
    assert verify().ok, verify().problems


def test_rejected_declaration_refunds_the_shipped_order(buyer, stocked, make_user):  # noqa: F811
    from ewtp.accounts.services import actor_for_user
    from ewtp.core.actor import Role
    from ewtp.customs.services import save_risk_rule

    save_risk_rule(SYSTEM, kind="random_sampling", lane="yellow", params={"rate": "1"})
    order = _declared(buyer, stocked, CN, price="200.00", hs="090240")
    sync_customs()
    decl = Declaration.objects.get(parcel__order_no=order.reference)
    assert decl.status == declarations.REVIEW and Order.objects.get(pk=order.pk).state == Order.SHIPPED
    officer = actor_for_user(make_user(Role.CUSTOMS_OFFICER, jurisdiction="CN"))
    declarations.officer_action(officer, decl.pk, "reject", "undervalued")
    out = sync_customs()
    assert out.refunded == 1
    order.refresh_from_db()
    assert order.state == Order.REFUNDED
    refund = Refund.objects.get(escrow__order_ref=order.reference)
    assert refund.amount_minor == Escrow.objects.get(order_ref=order.reference).held_minor
    assert CbecUsage.objects.get(buyer_id=buyer.user_id).used_cny == 0
    assert sync_customs().refunded == 0
    assert accounts.tax_payable("CN", "CNY").total_minor == 0
    assert verify().ok
