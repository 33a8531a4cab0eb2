from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ewtp.customs.reconciliation import reconcile
from ewtp.customs.reconciliation_vec import align, batch_from_documents, reconcile_batch
from ewtp.customs.xml.documents import InventoryLine
from tests.customs.factories import parcel


def only(result, rule):
    assert not result.matched
    found = [d for d in result.discrepancies if d.rule == rule]
    assert found, result.discrepancies
    assert {d.rule for d in result.discrepancies} == {rule}, result.discrepancies
    return found


def test_consistent_parcel_matches_with_and_without_inventory():
    o, p, w, i = parcel()
    assert reconcile(o, p, w).matched
    assert reconcile(o, p, w, i, buyer_year_to_date=Decimal(0)).status == "matched"


@pytest.mark.parametrize("missing", [0, 1, 2])
def test_missing_document(missing):
    docs = list(parcel()[:3])
    name = ["order", "payment", "waybill"][missing]
    docs[missing] = None
    (d,) = only(reconcile(*docs), "missing_document")
    assert d.field == name


def test_paid_formula():
    o, p, w, _ = parcel()
    o.discount += Decimal("1")  # the order no longer adds up (and payment still equals acturalPaid)
    (d,) = only(reconcile(o, p, w), "paid_formula")
    assert d.field == "acturalPaid"
    assert d.values == {"order.acturalPaid": "229.34", "goodsValue+freight+taxTotal-discount": "228.34"}


def test_paid_equals_payment():
    o, p, w, _ = parcel()
    p.amount_paid = Decimal("229.33")
    (d,) = only(reconcile(o, p, w), "paid_equals_payment")
    assert d.values == {"order.acturalPaid": "229.34", "payment.amountPaid": "229.33"}


@pytest.mark.parametrize("attr,field", [("consignee", "consignee"), ("consignee_telephone", "consigneeTelephone"),
                                        ("consignee_address", "consigneeAddress")])
def test_consignee_match(attr, field):
    o, p, w, _ = parcel()
    setattr(w, attr, getattr(w, attr) + "X")
    (d,) = only(reconcile(o, p, w), "consignee_match")
    assert d.field == field and d.values["order"] + "X" == d.values["waybill"]


def test_buyer_is_payer():
    o, p, w, _ = parcel()
    p.payer_id_number = "110101199001019999"
    (d,) = only(reconcile(o, p, w), "buyer_is_payer")
    assert d.values["payment.payerIdNumber"] == "110101199001019999"


@pytest.mark.parametrize("doc", [1, 2, 3])
def test_order_no_link(doc):
    docs = list(parcel())
    docs[doc].order_no = "OTHER"
    (d,) = only(reconcile(*docs), "order_no_link")
    assert d.values[["", "payment", "waybill", "inventory"][doc]] == "OTHER"


def test_pay_transaction_link():
    o, p, w, _ = parcel()
    p.pay_transaction_id = "PAY-ELSEWHERE"
    (d,) = only(reconcile(o, p, w), "pay_transaction_link")
    assert d.values == {"order": o.pay_transaction_id, "payment": "PAY-ELSEWHERE"}


def test_logistics_no_link():
    o, p, w, i = parcel()
    i.logistics_no = "LN-OTHER"
    (d,) = only(reconcile(o, p, w, i), "logistics_no_link")
    assert d.values == {"waybill": w.logistics_no, "inventory": "LN-OTHER"}


@pytest.mark.parametrize("doc", [0, 1, 2, 3])
def test_currency_cny(doc):
    docs = list(parcel())
    docs[doc].currency = "502"
    (d,) = only(reconcile(*docs), "currency_cny")
    assert d.values["required"] == "142"


def test_lines_one_to_one_missing_and_extra_line():
    o, p, w, i = parcel(lines=3)
    i.lines.pop(1)
    (d,) = only(reconcile(o, p, w, i), "lines_one_to_one")
    assert d.values == {"order": "1,2,3", "inventory": "1,3"}
    extra = copy.deepcopy(i.lines[0])
    extra.gnum = 9
    i.lines.append(extra)
    (d,) = only(reconcile(o, p, w, i), "lines_one_to_one")
    assert d.values == {"order": "1,2,3", "inventory": "1,3,9"}


def test_lines_duplicate_gnum():
    o, p, w, i = parcel(lines=2)
    o.lines[1].gnum = 1
    i.lines[1].gnum = 1
    only(reconcile(o, p, w, i), "lines_one_to_one")


def test_lines_same_goods():
    o, p, w, i = parcel(lines=2)
    i.lines[1].gname = "别的商品"
    (d,) = only(reconcile(o, p, w, i), "lines_same_goods")
    assert d.field == "gname[2]" and d.values == {"order": "商品2", "inventory": "别的商品"}


def test_single_limit_counts_freight_and_insurance():
    o, p, w, _ = parcel()
    o.goods_value = Decimal("4980")  # + freight 20 = 5000: within the limit
    o.actural_paid = p.amount_paid = o.goods_value + o.freight + o.tax_total - o.discount
    assert reconcile(o, p, w).matched
    w.insured_fee = Decimal("0.01")
    (d,) = only(reconcile(o, p, w), "single_limit")
    assert d.values == {"transactionValue": "5000.01", "limit": "5000"}


def test_annual_limit_needs_usage():
    o, p, w, _ = parcel()
    assert reconcile(o, p, w).matched  # no usage given: the rule cannot be checked
    assert reconcile(o, p, w, buyer_year_to_date=Decimal("25778")).matched  # 25778 + 222 = 26000
    (d,) = only(reconcile(o, p, w, buyer_year_to_date=Decimal("25778.01")), "annual_limit")
    assert d.values["yearToDate+transactionValue"] == "26000.01"


def test_several_discrepancies_reported_in_rule_order():
    o, p, w, i = parcel()
    p.amount_paid += 1
    w.consignee = "王五"
    i.lines[0].gname = "x"
    rules = [d.rule for d in reconcile(o, p, w, i).discrepancies]
    assert rules == ["paid_equals_payment", "consignee_match", "lines_same_goods"]


# -- vectorised == scalar ------------------------------------------------------------------------

MUTATIONS = {
    "discount": lambda d: setattr(d[0], "discount", d[0].discount + 1),
    "amount": lambda d: setattr(d[1], "amount_paid", d[1].amount_paid + Decimal("0.00001")),
    "consignee": lambda d: setattr(d[2], "consignee", "王五"),
    "tel": lambda d: setattr(d[2], "consignee_telephone", "139"),
    "addr": lambda d: setattr(d[0], "consignee_address", "上海"),
    "payer": lambda d: setattr(d[1], "payer_id_number", "X"),
    "order_no_p": lambda d: setattr(d[1], "order_no", "Z"),
    "order_no_i": lambda d: setattr(d[3], "order_no", "Z"),
    "pay_tx": lambda d: setattr(d[0], "pay_transaction_id", None),
    "ln": lambda d: setattr(d[3], "logistics_no", "Q"),
    "cur": lambda d: setattr(d[2], "currency", "300"),
    "cur_i": lambda d: setattr(d[3], "currency", "300"),
    "drop_line": lambda d: d[3].lines and d[3].lines.pop(),
    "extra_line": lambda d: d[3].lines.append(InventoryLine(gnum=7, gcode="1", gname="n", gmodel="m", country="116",
                                                            qty=Decimal(1), unit="007", qty1=Decimal(1), unit1="007",
                                                            price=Decimal(1), total_price=Decimal(1))),
    "dup_line": lambda d: setattr(d[0].lines[0], "gnum", d[0].lines[-1].gnum),
    "name": lambda d: d[3].lines and setattr(d[3].lines[0], "gname", "别的"),
    "big": lambda d: setattr(d[0], "goods_value", Decimal("6000.5")),
    "insured": lambda d: setattr(d[2], "insured_fee", Decimal("4800")),
}


@st.composite
def parcels(draw):
    out, ytd = [], []
    for n in range(draw(st.integers(1, 12))):
        docs = list(parcel(n, lines=draw(st.integers(1, 3))))
        for name in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), max_size=4, unique=True)):
            MUTATIONS[name](docs)
        for k in draw(st.sets(st.integers(0, 3), max_size=2)):
            docs[k] = None
        out.append(tuple(docs))
        ytd.append(draw(st.one_of(st.none(), st.decimals(0, 30000, places=2))))
    return out, ytd


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parcels())
def test_vectorised_equals_scalar(data):
    rows, ytd = data
    vec = reconcile_batch(batch_from_documents(rows, ytd))
    for r, (docs, y) in enumerate(zip(rows, ytd, strict=True)):
        scalar = reconcile(*docs, buyer_year_to_date=y)
        assert list(scalar.discrepancies) == vec.discrepancies(r), (r, docs)
        assert scalar.matched == bool(vec.matched[r])


def test_align_by_order_no():
    import numpy as np

    keys, idx = align({"order": np.array(["b", "a", "c"]), "payment": np.array(["c", "a"]),
                       "waybill": np.array([], dtype=str)})
    assert list(keys) == ["a", "b", "c"]
    assert list(idx["order"]) == [1, 0, 2] and list(idx["payment"]) == [1, -1, 0] and list(idx["waybill"]) == [-1] * 3
