"""Batched pushes (`services.push_many`, `intake.push_json_many`, `intake.push_hub_orders`) store,
re-match and declare exactly as the same pushes one by one, and a refused push in a batch changes
nothing while the others go on."""

from __future__ import annotations

import pytest
from django.db.models import Q

from ewtp.accounts.models import Organisation
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.customs import intake
from ewtp.customs.jsondocs import to_json
from ewtp.customs.models import Declaration, Parcel, TradeDocument
from tests.customs.factories import parcel

FIGURES = ("status", "lane", "currency", "goods_value", "freight", "customs_value", "duty", "tax_total", "lines",
           "declarant", "withholding_agent", "buyer_id_number", "regime")


def _partner(kind: str, role: str) -> Actor:
    org = Organisation.objects.create(kind=kind, name=f"{kind} partner", country="MY")
    return Actor(role=role, org_ids=frozenset({org.pk}), label=kind)


@pytest.fixture
def parties(db):
    return (_partner(Organisation.PAYMENT, Role.PAYMENT_PARTNER),
            _partner(Organisation.LOGISTICS, Role.LOGISTICS_PARTNER))


def _state(order_no: str) -> dict:
    p = Parcel.objects.get(order_no=order_no)
    d = Declaration.objects.filter(parcel=p).values(*FIGURES).first()
    docs = list(TradeDocument.objects.filter(order_no=order_no).order_by("kind", "version")
                .values_list("kind", "version", "current", "digest"))
    doc_pks = [str(pk) for pk in TradeDocument.objects.filter(order_no=order_no).values_list("pk", flat=True)]
    actions = list(AuditEntry.objects.filter(Q(object_type="customs.parcel", object_id=str(p.pk))
                                             | Q(object_type="customs.tradedocument", object_id__in=doc_pks))
                   .order_by("seq").values_list("action", flat=True))
    return {"parcel": (p.status, p.discrepancies, p.checks, p.buyer_id_number), "declaration": d, "docs": docs,
            "actions": actions}


def _kinds(n: int) -> list[tuple[str, dict]]:
    order, payment, waybill, inventory = parcel(n)
    return [("order", to_json(order)), ("payment", to_json(payment)), ("waybill", to_json(waybill)),
            ("inventory", to_json(inventory))]


def _pusher(kind: str, payer: Actor, carrier: Actor) -> Actor:
    return {"payment": payer, "waybill": carrier}.get(kind, SYSTEM)


def test_a_batch_ends_as_the_same_pushes_one_by_one(parties):
    payer, carrier = parties
    one_by_one, batched = [_kinds(n) for n in (1, 2, 3)], [_kinds(n) for n in (4, 5, 6)]
    for docs in one_by_one:
        for kind, doc in docs:
            intake.push_json(_pusher(kind, payer, carrier), kind, doc)
    for k in range(4):  # each kind as one batch, the parcels' other documents already in
        kind = batched[0][k][0]
        results = intake.push_json_many(_pusher(kind, payer, carrier), kind, [(docs[k][1], "CN") for docs in batched])
        assert [r.outcome for r in results] == ["stored"] * 3
    for single, batch in zip(one_by_one, batched, strict=True):
        a, b = _state(single[0][1]["orderNo"]), _state(batch[0][1]["orderNo"])
        assert a["docs"] and [d[:3] for d in a["docs"]] == [d[:3] for d in b["docs"]]
        assert a["parcel"][0] == Parcel.MATCHED and a["parcel"][2] == 4
        assert a["parcel"][:3] == b["parcel"][:3] and a["actions"] == b["actions"]
        assert a["declaration"] is not None
        assert {k: v for k, v in a["declaration"].items() if k not in ("buyer_id_number", "lines")} == \
               {k: v for k, v in b["declaration"].items() if k not in ("buyer_id_number", "lines")}
    # pushing the batch again changes nothing
    again = intake.push_json_many(SYSTEM, "inventory", [(docs[3][1], "CN") for docs in batched])
    assert [r.outcome for r in again] == ["unchanged"] * 3


def test_a_refused_push_in_a_batch_changes_nothing_and_the_others_go_on(parties):
    payer, _ = parties
    docs = [_kinds(n) for n in (11, 12, 13)]
    intake.push_json(SYSTEM, "order", docs[1][0][1])  # order 12 exists: appType 1 again is a conflict
    before = TradeDocument.objects.count()
    changed = {**docs[1][0][1], "buyerName": "someone else"}
    bad_field = {**docs[2][0][1], "goodsValue": "12.1234567"}
    results = intake.push_json_many(SYSTEM, "order", [(docs[0][0][1], "CN"), (changed, "CN"), (bad_field, "CN"),
                                                      (docs[0][0][1], "CN")])
    assert results[0].outcome == "stored" and results[3].outcome == "unchanged"
    assert isinstance(results[1], Conflict) and isinstance(results[2], ValidationFailed)
    assert TradeDocument.objects.count() == before + 1
    assert not Parcel.objects.filter(order_no=docs[2][0][1]["orderNo"]).exists()
    # the batch's view of a parcel whose push rolled back is read again: a later push sees the truth
    paid = intake.push_json_many(payer, "payment", [(docs[1][1][1], "CN")])
    assert paid[0].outcome == "stored" and paid[0].parcel.checks == 2


def test_hub_orders_attach_their_quote_and_a_declared_parcel_refuses_a_new_one(parties):
    payer, carrier = parties
    docs = _kinds(21)
    quote = {"regime": {"code": "CN-CBEC"}, "currency": "CNY", "totals": {"duty": "0", "tax": "0"},
             "values": {"customs": "100"}, "charges": []}
    [r] = intake.push_hub_orders(SYSTEM, [intake.HubOrder(docs[0][1], "CN", quote, None)])
    assert r.outcome == "stored" and Parcel.objects.get(order_no=r.order_no).landed_cost == quote
    for kind, doc in docs[1:]:
        intake.push_json(_pusher(kind, payer, carrier), kind, doc)
    assert Declaration.objects.filter(parcel__order_no=r.order_no).exists()
    checks = Parcel.objects.get(order_no=r.order_no).checks
    [refused] = intake.push_hub_orders(SYSTEM, [intake.HubOrder(docs[0][1], "CN", {**quote, "x": 1}, None)])
    assert isinstance(refused, Conflict) and "declared" in refused.message
    p = Parcel.objects.get(order_no=r.order_no)
    assert p.landed_cost == quote and p.checks == checks
