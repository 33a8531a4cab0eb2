"""`escrow.refundable_minor` (compiled: the owed refunds' rows summed) is what the ORM's aggregate
over `owed_refunds` gives: what is left, less what failed refunds awaiting their retry owe, the
retried one excepted."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from ewtp.payments import escrow
from ewtp.payments.models import Escrow
from tests.payments.test_refund_retry import _failed_escrow_refund

pytestmark = pytest.mark.django_db


def _aggregate(e: Escrow, retrying: int | None = None) -> int:
    owed = escrow.owed_refunds(e.pk).exclude(pk=retrying).aggregate(n=Sum("amount_minor"))["n"] or 0
    return max(0, e.remaining_minor - owed)


def test_refundable_is_the_aggregate_with_and_without_the_retried_refund():
    failed = _failed_escrow_refund("F-1", "30.00")
    _failed_escrow_refund("F-2", "12.00")  # another escrow's: not counted
    e = Escrow.objects.get(order_ref="F-1")
    assert escrow.refundable_minor(e) == _aggregate(e) == 0  # the failed refund owes all that is left
    assert escrow.refundable_minor(e, failed.pk) == _aggregate(e, failed.pk) == 3000
    assert escrow.refundable_minor(e, failed.pk + 1000) == _aggregate(e, failed.pk + 1000) == 0
