from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.customs.jsondocs import to_json
from ewtp.customs.models import Declaration, Parcel, TradeDocument
from ewtp.customs.xml.produce import message_for, produce
from tests.customs.conftest import post_xml
from tests.customs.factories import TRANSFER, parcel

pytestmark = pytest.mark.django_db


def test_matched_parcel_is_declared_and_routed(push_parcel, parties):
    responses, docs = push_parcel(1)
    assert [r.status_code for r in responses] == [200] * 4, [r.json() for r in responses]
    body = responses[-1].json()["results"][0]
    assert body["parcel"]["status"] == "matched" and body["parcel"]["discrepancies"] == []
    decl = Declaration.objects.get(parcel__order_no=docs[0].order_no)
    assert decl.lane == "green" and decl.status == "800"  # no risk rules: released automatically
    assert decl.regime == "9610" and decl.lines[0]["hs_code"] == "3304990099"
    assert decl.customs_value == Decimal("222") and decl.tax_total == Decimal("12.34")
    assert [e.to_status for e in decl.events.all()] == ["2", "120", "800"]


def test_discrepancies_reported_per_push(push_parcel):
    def mutate(docs):
        docs[2].consignee = "王五"

    responses, _ = push_parcel(2, mutate=mutate, inventory=False)
    parcel_out = responses[-1].json()["results"][0]["parcel"]
    assert parcel_out["status"] == "discrepancies"
    assert parcel_out["discrepancies"] == [{"field": "consignee", "rule": "consignee_match",
                                           "values": {"order": "张三", "waybill": "王五"}}]


def test_change_document_replaces_and_rematches(push_parcel, parties):
    def mutate(docs):
        docs[1].amount_paid += 1

    responses, docs = push_parcel(3, mutate=mutate)
    assert responses[-1].json()["results"][0]["parcel"]["status"] == "discrepancies"
    fixed = to_json(docs[1])
    fixed.update(appType="2", amountPaid=str(docs[0].actural_paid))
    r = parties.payment.post("/customs/documents/payment", fixed)
    assert r.status_code == 200, r.json()
    res = r.json()["results"][0]
    assert res["outcome"] == "replaced" and res["version"] == 2 and res["parcel"]["status"] == "matched"
    assert TradeDocument.objects.filter(order_no=docs[0].order_no, kind="payment", current=True).count() == 1
    assert Declaration.objects.filter(parcel__order_no=docs[0].order_no).exists()


def test_same_document_twice_is_idempotent_and_new_appType1_conflicts(push_parcel, parties):
    _, docs = push_parcel(4, inventory=False)
    again = parties.payment.post("/customs/documents/payment", to_json(docs[1]))
    assert again.status_code == 200 and again.json()["results"][0]["outcome"] == "unchanged"
    other = to_json(docs[1])
    other["amountPaid"] = "1"
    clash = parties.payment.post("/customs/documents/payment", other)
    assert clash.status_code == 409
    assert TradeDocument.objects.filter(order_no=docs[0].order_no, kind="payment").count() == 1


def test_idempotency_key_replays_the_answer(parties):
    order = to_json(parcel(5)[0])
    first = parties.seller.post("/customs/documents/order", order, key="k-customs-5")
    second = parties.seller.post("/customs/documents/order", order, key="k-customs-5")
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert TradeDocument.objects.filter(order_no=order["orderNo"]).count() == 1


@pytest.mark.parametrize("client,kind", [("seller", "payment"), ("seller", "waybill"), ("payment", "order"),
                                         ("logistics", "payment"), ("buyer", "order"), ("officer_cn", "order")])
def test_only_the_responsible_party_pushes(parties, client, kind):
    docs = dict(zip(["order", "payment", "waybill"], parcel(6)[:3], strict=True))
    r = getattr(parties, client).post(f"/customs/documents/{kind}", to_json(docs[kind]))
    assert r.status_code == 403
    assert not TradeDocument.objects.exists()


def test_xml_push_validated_and_invalid_refused_with_violations(parties):
    o, p, w, i = parcel(7)
    ok = post_xml(parties.payment, "payment", produce(message_for([p], TRANSFER)))
    assert ok.status_code == 200, ok.json()
    assert TradeDocument.objects.get(order_no=o.order_no).body_format == "xml"
    bad = produce(message_for([w], TRANSFER)).replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>x</ceb:currency>")
    r = post_xml(parties.logistics, "waybill", bad)
    assert r.status_code == 422
    problems = r.json()["error"]["fields"]["xml"]
    assert any("line" in v and "ceb:currency" in v for v in problems)
    assert not TradeDocument.objects.filter(kind="waybill").exists()
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    r = post_xml(parties.logistics, "waybill", hostile)
    assert r.status_code == 422 and "DOCTYPE" in str(r.json())


def test_json_push_refuses_floats_unknown_and_missing_fields(parties):
    order = to_json(parcel(8)[0])
    r = parties.seller.post("/customs/documents/order", {**order, "goodsValue": 12.5})
    assert r.status_code == 422 and "body" in r.json()["error"]["fields"]
    r = parties.seller.post("/customs/documents/order", {**order, "colour": "red"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["colour"] == ["unknown field"]
    missing = {k: v for k, v in order.items() if k != "consignee"}
    r = parties.seller.post("/customs/documents/order", missing)
    assert r.status_code == 422 and "consignee" in r.json()["error"]["fields"]
    r = parties.seller.post("/customs/documents/order", {**order, "currency": "1420"})
    assert r.status_code == 422 and "currency" in r.json()["error"]["fields"]
    assert not TradeDocument.objects.exists()


def _yellow_declaration(push_parcel, parties, n=9):
    rule = {"kind": "random_sampling", "lane": "yellow", "params": {"rate": "1"}}
    assert parties.operator.post("/customs/risk-rules", rule).status_code == 200
    _, docs = push_parcel(n)
    decl = Declaration.objects.get(parcel__order_no=docs[0].order_no)
    assert decl.lane == "yellow" and decl.status == "300"
    return decl


def test_officer_actions_and_state_machine(push_parcel, parties):
    decl = _yellow_declaration(push_parcel, parties)
    url = f"/customs/declarations/{decl.pk}"
    assert parties.officer_cn.post(f"{url}/reject", {}).status_code == 422  # reason required
    assert parties.officer_cn.post(f"{url}/hold", {}).json()["status"] == "599"
    assert parties.officer_cn.post(f"{url}/conclude", {}).status_code == 409  # only after inspection
    r = parties.officer_cn.post(f"{url}/release", {})
    assert r.status_code == 200 and r.json()["status"] == "800"
    assert parties.officer_cn.post(f"{url}/reject", {"reason": "late"}).status_code == 409  # terminal
    detail = parties.officer_cn.get(url).json()
    assert set(detail["documents"]) == {"order", "payment", "waybill", "inventory"}
    assert [e["action"] for e in detail["events"]][-2:] == ["hold", "release"]


def test_other_jurisdiction_and_other_roles_cannot_see_or_act(push_parcel, parties):
    decl = _yellow_declaration(push_parcel, parties, n=10)
    url = f"/customs/declarations/{decl.pk}"
    assert parties.officer_my.get(url).status_code == 403  # another jurisdiction's officer: refused openly
    assert parties.officer_my.post(f"{url}/release", {}).status_code == 403
    assert parties.seller.get(url).status_code == 404
    assert parties.operator.post(f"{url}/release", {}).status_code == 403  # sees it, may not act
    assert parties.officer_my.get("/customs/queue").json() == []
    assert parties.seller.get("/customs/queue").status_code == 403
    decl.refresh_from_db()
    assert decl.status == "300"


def test_reject_records_the_reason_for_the_order_process(push_parcel, parties):
    """The order's process polls rejected declarations (ewtp.market.process); customs tells nobody."""
    from ewtp.customs import intake
    from ewtp.customs.models import Parcel

    decl = _yellow_declaration(push_parcel, parties, n=11)
    assert parties.officer_cn.post(f"/customs/declarations/{decl.pk}/reject", {}).status_code == 422
    r = parties.officer_cn.post(f"/customs/declarations/{decl.pk}/reject", {"reason": "undervalued"})
    assert r.json()["status"] == "100" and r.json()["reason"] == "undervalued"
    parcels = Parcel.objects.values_list("order_no", flat=True)
    assert list(parcels.filter(intake.declared_as("100", order_no="order_no"))) == [decl.parcel.order_no]
    assert not parcels.filter(intake.declared_as("800", order_no="order_no")).exists()


def test_risk_rules_operator_only_and_audited(parties):
    from ewtp.core.models import AuditEntry

    bad = parties.operator.post("/customs/risk-rules", {"kind": "random_sampling", "lane": "red", "params": {"rate": "2"}})
    assert bad.status_code == 422
    r = parties.officer_cn.post("/customs/risk-rules", {"kind": "new_seller", "lane": "yellow", "params": {"min_age_days": 3}})
    assert r.status_code == 403
    r = parties.operator.post("/customs/risk-rules", {"kind": "restricted_goods", "lane": "red", "params": {"hs_prefixes": ["3304"]}})
    assert r.status_code == 200
    rid = r.json()["id"]
    r = parties.operator.put(f"/customs/risk-rules/{rid}", {"kind": "restricted_goods", "lane": "red",
                                                            "params": {"hs_prefixes": ["9301"]}, "active": False})
    assert r.json()["active"] is False
    assert AuditEntry.objects.filter(action="customs.risk_rule.saved").count() == 2


def test_queue_lists_unmatched_parcels_for_the_officer(push_parcel, parties):
    push_parcel(12, mutate=lambda d: setattr(d[1], "payer_id_number", "X"), inventory=False)
    q = parties.officer_cn.get("/customs/queue").json()
    assert [p["order_no"] for p in q] == ["EWTP0000000012"]
    assert q[0]["discrepancies"][0]["rule"] == "buyer_is_payer"
    assert Parcel.objects.get(order_no="EWTP0000000012").status == "discrepancies"


def test_partner_documents_need_the_partner_token_not_a_session(parties, make_user, api_as):
    staff = api_as(make_user("payment_partner"))
    r = staff.post("/customs/documents/payment", to_json(parcel(13)[1]))
    assert r.status_code == 403 and "token" in r.json()["error"]["message"]


@pytest.mark.parametrize("field,value,reason", [
    ("buyerName", "张\x01三", "control characters"), ("goodsValue", "1.234567", "5 decimals"),
    ("goodsValue", "-1", "negative"), ("goodsValue", "1e40", "14 digits"), ("goodsValue", "NaN", "finite"),
    ("gnum", True, "integer"),
])
def test_json_values_xml_cannot_carry_are_refused_not_rounded(parties, field, value, reason):
    order = to_json(parcel(14)[0])
    if field == "gnum":
        order["lines"][0]["gnum"] = value
        field = "lines[0].gnum"
    else:
        order[field] = value
    r = parties.seller.post("/customs/documents/order", order)
    assert r.status_code == 422, r.content
    assert reason in " ".join(r.json()["error"]["fields"][field])


def test_an_officer_action_on_an_unknown_declaration_is_404(push_parcel, parties):
    decl = _yellow_declaration(push_parcel, parties, n=12)
    assert parties.officer_cn.post(f"/customs/declarations/{decl.pk + 1000}/hold", {}).status_code == 404
    assert parties.officer_cn.post(f"/customs/declarations/{2**63}/hold", {}).status_code in (404, 422)
    assert parties.officer_cn.post(f"/customs/declarations/{decl.pk}/hold", {}).json()["status"] == "599"
