"""`escrow.mark_delivered_many` is `escrow.mark_delivered` of each in turn: the same countdowns and
audit entries in the same order; an order without escrow gives None where the single form raises
NotFound, and a countdown already started (a repeat, or an earlier run) is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ewtp.core.errors import NotFound
from ewtp.core.models import AuditEntry
from ewtp.payments import escrow, services
from ewtp.payments.models import Escrow
from tests.payments.helpers import flush_webhooks
from tests.payments.test_flow import _pay

pytestmark = pytest.mark.django_db


def _held(*refs: str) -> None:
    for ref in refs:
        _pay(ref=ref, amount="10.00", cur="MYR")
        services.capture_payment("test", ref)
    flush_webhooks()


def _since() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _records(refs: list[str], since: int) -> tuple[list, list]:
    # the audit entries name their escrow by id: compared by position in `refs` instead
    pos = {str(pk): refs.index(ref) for pk, ref in Escrow.objects.filter(order_ref__in=refs).values_list("pk", "order_ref")}
    return ([Escrow.objects.get(order_ref=ref).delivered_at for ref in refs],
            [(e.actor, e.action, pos[e.object_id], e.after) for e in AuditEntry.objects.filter(seq__gt=since).order_by("seq")])


def test_a_batch_of_countdowns_is_countdowns_one_by_one():
    one, batch = ["A1", "B1", "C1"], ["A2", "B2", "C2"]
    _held(*one, *batch)
    at = timezone.now().replace(microsecond=0) - timedelta(days=3)
    escrow.mark_delivered("test", one[2], at - timedelta(days=1))  # started before: left alone
    escrow.mark_delivered("test", batch[2], at - timedelta(days=1))
    todo = [(0, at), (1, at + timedelta(hours=1)), (None, at), (2, at), (0, at + timedelta(hours=2))]

    since = _since()
    for k, when in todo:
        if k is None:
            with pytest.raises(NotFound):
                escrow.mark_delivered("test", "NO-SUCH-ORDER", when)
        else:
            escrow.mark_delivered("test", one[k], when)
    expected = _records(one, since)

    since = _since()
    got = escrow.mark_delivered_many("test", [(batch[k] if k is not None else "NO-SUCH-ORDER", when)
                                              for k, when in todo])
    assert [e.order_ref if e else None for e in got] == ["A2", "B2", None, "C2", "A2"]
    assert _records(batch, since) == expected
    assert expected[0] == [at, at + timedelta(hours=1), at - timedelta(days=1)]
    assert len(expected[1]) == 2  # the repeat and the one started before wrote nothing


def test_an_empty_batch_writes_nothing():
    since = _since()
    assert escrow.mark_delivered_many("test", []) == []
    assert _since() == since
