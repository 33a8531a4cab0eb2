"""`sync_customs` pushes its batches together (one savepoint, parcel rows written once) inside a
caller's transaction; what fails there is rolled back and pushed again batch by batch, failing
as it always did. Outside a transaction nothing is held back, and a failure is raised at once."""

from __future__ import annotations

import pytest
from django.db import transaction

from ewtp.core.errors import Conflict
from ewtp.customs import batch
from ewtp.logistics import waybill
from ewtp.market.process import sync_customs


def _refusing(monkeypatch) -> list[bool]:
    calls: list[bool] = []

    def push_pending(actor, limit=10_000, order_refs=None):
        calls.append(batch.in_together())
        raise Conflict("a refused waybill")

    monkeypatch.setattr(waybill, "push_pending", push_pending)
    return calls


def test_inside_a_transaction_a_failure_goes_again_batch_by_batch(db, monkeypatch):
    calls = _refusing(monkeypatch)
    with transaction.atomic(), pytest.raises(Conflict):
        sync_customs()
    assert calls == [True, False]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failure_is_raised_at_once(monkeypatch):
    calls = _refusing(monkeypatch)
    with pytest.raises(Conflict):
        sync_customs()
    assert calls == [False]
