"""A re-match records `customs.parcel.reconciled` only when it changes the parcel's status or its
discrepancies: an audit entry records a change (the inventory list of a matched parcel changes
neither), on the one-by-one path as on a batch's."""

from __future__ import annotations

from ewtp.core.models import AuditEntry
from ewtp.customs import intake
from ewtp.customs.models import Parcel
from tests.customs.test_push_many import _kinds, _pusher, parties  # noqa: F401 - fixture


def _reconciled(order_no: str) -> list[tuple[str, str, int]]:
    pk = str(Parcel.objects.get(order_no=order_no).pk)
    return [(e.before["status"], e.after["status"], e.after["discrepancies"]) for e in
            AuditEntry.objects.filter(action="customs.parcel.reconciled", object_id=pk).order_by("seq")]


EXPECTED = [("awaiting_documents", "awaiting_documents", 2), ("awaiting_documents", "awaiting_documents", 1),
            ("awaiting_documents", "matched", 0)]  # order, payment, waybill; the inventory list: none


def test_a_re_match_that_changes_nothing_records_nothing(parties):  # noqa: F811
    payer, carrier = parties
    docs = _kinds(31)
    for kind, doc in docs:
        intake.push_json(_pusher(kind, payer, carrier), kind, doc)
    no = docs[0][1]["orderNo"]
    assert Parcel.objects.get(order_no=no).checks == 4  # matched four times, recorded three
    assert _reconciled(no) == EXPECTED


def test_a_batch_records_the_same(parties):  # noqa: F811
    payer, carrier = parties
    docs = [_kinds(n) for n in (32, 33)]
    for i in range(4):
        kind = docs[0][i][0]
        intake.push_json_many(_pusher(kind, payer, carrier), kind, [(d[i][1], "CN") for d in docs])
    assert [_reconciled(d[0][1]["orderNo"]) for d in docs] == [EXPECTED, EXPECTED]
