"""In-process pushes from other domains (ewtp.customs.intake): the waybill service logistics
calls, JSON documents for jurisdictions other than China, and their reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.accounts.models import Organisation
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.customs import intake
from ewtp.customs.jsondocs import to_json
from ewtp.customs.models import Parcel, TradeDocument
from ewtp.customs.reconciliation import reconcile
from tests.customs.factories import parcel


def _partner(kind: str, role: str) -> Actor:
    org = Organisation.objects.create(kind=kind, name=f"{kind} partner", country="MY")
    return Actor(role=role, org_ids=frozenset({org.pk}), label=kind)


def _non_cn(n: int, currency: str = "EUR"):
    """The sample parcel with ISO codes, as the hub writes documents outside China."""
    order, payment, waybill, inventory = parcel(n)
    for doc in (order, payment, waybill, inventory):
        doc.currency = currency
    for li in [*order.lines, *inventory.lines]:
        li.currency, li.country = currency, "JP"
    return order, payment, waybill, inventory


@pytest.fixture
def logistics(db):
    return _partner(Organisation.LOGISTICS, Role.LOGISTICS_PARTNER)


@pytest.fixture
def payer(db):
    return _partner(Organisation.PAYMENT, Role.PAYMENT_PARTNER)


def test_waybill_service_follows_the_order_and_is_idempotent(logistics, payer):
    order, payment, waybill, _ = parcel(7)
    fields = {"logistics_code": "SRX", "logistics_name": "Silk Road Express", "logistics_no": "SRX0001",
              "weight": Decimal("1.2"), "freight": Decimal("20"), "insured_fee": Decimal(0)}
    with pytest.raises(NotFound):
        intake.push_waybill(logistics, order.order_no, **fields)
    intake.push_json(SYSTEM, "order", to_json(order))
    intake.push_json(payer, "payment", to_json(payment))
    first = intake.push_waybill(logistics, order.order_no, **fields)
    assert first.outcome == "stored" and first.parcel.status == Parcel.MATCHED  # consignee from the order
    assert intake.push_waybill(logistics, order.order_no, **fields).outcome == "unchanged"
    with pytest.raises(Conflict):  # a different waybill without saying it is a change
        intake.push_waybill(logistics, order.order_no, **{**fields, "weight": Decimal("2")})
    changed = intake.push_waybill(logistics, order.order_no, **{**fields, "consignee": "李四"}, change=True)
    assert changed.outcome == "replaced" and changed.parcel.status == Parcel.DISCREPANCIES
    assert {d["rule"] for d in changed.parcel.discrepancies} == {"consignee_match"}
    with pytest.raises(Forbidden):  # only the logistics partner pushes waybills
        intake.push_waybill(payer, order.order_no, **fields, change=True)
    session = Actor(role=Role.LOGISTICS_PARTNER, user_id=5, org_ids=logistics.org_ids)
    with pytest.raises(Forbidden):  # a partner's system, not a person's session
        intake.push_waybill(session, order.order_no, **fields, change=True)


def test_other_jurisdictions_take_json_in_iso_codes(logistics, payer):
    order, payment, waybill, inventory = _non_cn(8)
    with pytest.raises(ValidationFailed):  # China's schema fixes the currency to 142
        intake.push_json(SYSTEM, "order", to_json(order))
    with pytest.raises(ValidationFailed):
        intake.push_json(SYSTEM, "order", to_json(order), jurisdiction="de")
    intake.push_json(SYSTEM, "order", to_json(order), jurisdiction="DE")
    with pytest.raises(Conflict):  # one parcel, one jurisdiction
        intake.push_json(payer, "payment", to_json(payment), jurisdiction="FR")
    intake.push_json(payer, "payment", to_json(payment), jurisdiction="DE")
    intake.push_json(logistics, "waybill", to_json(waybill), jurisdiction="DE")
    r = intake.push_json(SYSTEM, "inventory", to_json(inventory), jurisdiction="DE")
    assert r.parcel.status == Parcel.MATCHED and r.parcel.jurisdiction == "DE"
    decl = r.parcel.declaration
    assert decl.jurisdiction == "DE" and decl.number.startswith("DE") and decl.currency == "EUR"
    assert set(TradeDocument.objects.filter(order_no=order.order_no).values_list("jurisdiction", flat=True)) == {"DE"}


def test_xml_is_china_only(parties):
    from ewtp.customs.xml.produce import message_for, produce
    from tests.customs.factories import TRANSFER

    xml = produce(message_for([parcel(10)[0]], TRANSFER))
    r = parties.seller.client.post("/api/v1/customs/documents/order?jurisdiction=DE", data=xml,
                                   content_type="application/xml", HTTP_IDEMPOTENCY_KEY="k-xml-de")
    assert r.status_code == 422 and "China" in r.json()["error"]["fields"]["body"][0]
    assert not TradeDocument.objects.exists()


def test_reconciliation_outside_china():
    order, payment, waybill, inventory = _non_cn(9)
    assert reconcile(order, payment, waybill, inventory, jurisdiction="DE").matched
    assert not reconcile(order, payment, waybill, inventory).matched  # China wants 142
    waybill.currency = "USD"
    order.goods_value = order.goods_value + 10_000  # no CBEC limit outside China
    order.actural_paid += 10_000
    payment.amount_paid += 10_000
    found = reconcile(order, payment, waybill, inventory, jurisdiction="DE").discrepancies
    assert [(d.field, d.rule) for d in found] == [("waybill.currency", "currency_consistent")]
