"""`waybill.push_waybill` in a batch of shipments: whether customs has each order is read for the
shipments written after it together, and gives what a lookup per shipment gives — also once an
order document arrives, in another transaction, or after a rollback."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ewtp.core.actor import SYSTEM
from ewtp.customs import intake
from ewtp.customs.jsondocs import to_json
from ewtp.customs.models import TradeDocument
from ewtp.logistics import waybill
from ewtp.logistics.models import Shipment
from ewtp.logistics.shipments import create_shipment
from tests.customs.factories import parcel
from tests.logistics.test_shipments import _item, _order, buyer, seller  # noqa: F401 - fixtures


def _shipments(seller, buyer, ns) -> list[Shipment]:  # noqa: F811
    return [create_shipment(seller, _order(seller, buyer, [_item(qty=n)], ref=parcel(n)[0].order_no)) for n in ns]


def _push_order(n: int) -> None:
    intake.push_json(SYSTEM, "order", to_json(parcel(n)[0]))


def _waybills() -> set[str]:
    return set(TradeDocument.objects.filter(kind="waybill").values_list("order_no", flat=True))


def _selects() -> CaptureQueriesContext:
    return CaptureQueriesContext(connection)


@pytest.mark.django_db(transaction=True)
def test_a_batch_reads_ahead_and_pushes_what_one_by_one_pushes(seller, buyer):  # noqa: F811
    shipments = _shipments(seller, buyer, (1, 2, 3, 4))
    _push_order(2)  # customs has the second order only
    one_by_one = [waybill.push_waybill(seller, s, list(s.parcels.all())) for s in shipments]  # each its own transaction
    TradeDocument.objects.filter(kind="waybill").delete()
    with _selects() as q, transaction.atomic():
        batched = [waybill.push_waybill(seller, s, list(s.parcels.all())) for s in shipments]
    assert batched == one_by_one == [False, True, False, False]
    assert _waybills() == {shipments[1].order_ref}
    looked_up = [x["sql"] for x in q.captured_queries if "customs_tradedocument" in x["sql"]
                 and x["sql"].lstrip().upper().startswith("SELECT") and "logistics_shipment" in x["sql"]]
    assert len(looked_up) == 1  # one read for the four shipments


@pytest.mark.django_db(transaction=True)
def test_an_order_document_pushed_after_the_read_is_seen(seller, buyer):  # noqa: F811
    shipments = _shipments(seller, buyer, (5, 6))
    with transaction.atomic():
        assert not waybill.push_waybill(seller, shipments[0], list(shipments[0].parcels.all()))
        _push_order(6)  # (an order document written: what was read ahead is stale)
        assert waybill.push_waybill(seller, shipments[1], list(shipments[1].parcels.all()))
    assert _waybills() == {shipments[1].order_ref}


@pytest.mark.django_db(transaction=True)
def test_what_was_read_holds_only_in_its_transaction(seller, buyer, monkeypatch):  # noqa: F811
    shipments = _shipments(seller, buyer, (7, 8))
    monkeypatch.setattr(intake, "order_writes", lambda: 0)  # as if no order document were written here
    with transaction.atomic():
        assert not waybill.push_waybill(seller, shipments[0], list(shipments[0].parcels.all()))
    _push_order(8)  # committed after the read
    with transaction.atomic():
        assert waybill.push_waybill(seller, shipments[1], list(shipments[1].parcels.all()))
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():  # read in a savepoint rolled back
            waybill.push_waybill(seller, shipments[0], list(shipments[0].parcels.all()))
            1 / 0  # noqa: B018
        _push_order(7)
        assert waybill.push_waybill(seller, shipments[0], list(shipments[0].parcels.all()))
    assert _waybills() == {shipments[0].order_ref, shipments[1].order_ref}


@pytest.mark.django_db(transaction=True)
def test_a_refused_waybill_in_the_middle_changes_nothing_else(seller, buyer, monkeypatch):  # noqa: F811
    shipments = _shipments(seller, buyer, (9, 10, 11))
    for n in (9, 10, 11):
        _push_order(n)
    real = intake.push_waybill

    def push(actor, order_no, **kw):
        if order_no == shipments[1].order_ref:
            raise intake.Conflict("refused")
        return real(actor, order_no, **kw)

    monkeypatch.setattr(intake, "push_waybill", push)
    results = []
    with transaction.atomic():
        for s in shipments:
            try:
                with transaction.atomic():
                    results.append(waybill.push_waybill(seller, s, list(s.parcels.all())))
            except intake.Conflict:
                results.append(None)
    assert results == [True, None, True]
    assert _waybills() == {shipments[0].order_ref, shipments[2].order_ref}
