"""update_by_value writes the rows bulk_update writes, one statement per distinct set of values;
chunks slices a list for IN lookups."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.core.orm import IN_LIMIT, chunks, update_by_value
from ewtp.payments.models import SandboxOutbox

FIELDS = ["delivered_at", "attempts", "deliver_after"]


def _rows(tag: str, n: int) -> list[SandboxOutbox]:
    now = timezone.now()
    return [SandboxOutbox.objects.create(event_id=f"{tag}{i}", body="{}", deliver_after=now) for i in range(n)]


def _change(rows: list[SandboxOutbox]) -> None:
    now = timezone.now()
    for i, r in enumerate(rows):
        if i % 4 == 3:  # a failed delivery: its own back-off
            r.attempts += i
            r.deliver_after = now + timedelta(seconds=i)
        else:
            r.delivered_at = now


def _state(tag: str) -> list[tuple]:
    return list(SandboxOutbox.objects.filter(event_id__startswith=tag).order_by("event_id")
                .values_list("event_id", *FIELDS))


@pytest.mark.django_db
def test_same_rows_as_bulk_update():
    single, grouped = _rows("a", 12), _rows("b", 12)
    _change(single)
    _change(grouped)
    for b, a in zip(grouped, single, strict=True):  # the same new values on both sets
        b.delivered_at, b.attempts, b.deliver_after = a.delivered_at, a.attempts, a.deliver_after
    SandboxOutbox.objects.bulk_update(single, FIELDS)
    with CaptureQueriesContext(connection) as ctx:
        update_by_value(grouped, FIELDS)
    assert [r[1:] for r in _state("b")] == [r[1:] for r in _state("a")]
    assert len(ctx.captured_queries) == 1 + 3  # the delivered rows together, each failed one alone


@pytest.mark.django_db
def test_chunks_and_nothing():
    rows = _rows("c", 7)
    for r in rows:
        r.attempts = 5
    with CaptureQueriesContext(connection) as ctx:
        update_by_value(rows, ["attempts"], chunk=3)
        update_by_value([], ["attempts"])
    assert len(ctx.captured_queries) == 3
    assert set(SandboxOutbox.objects.filter(event_id__startswith="c").values_list("attempts", flat=True)) == {5}


@pytest.mark.parametrize("n", [0, 1, IN_LIMIT - 1, IN_LIMIT, IN_LIMIT + 1, 3 * IN_LIMIT + 7])
def test_chunks_cover_the_list_in_order(n):
    seq = list(range(n))
    parts = list(chunks(seq))
    assert [x for p in parts for x in p] == seq
    assert all(0 < len(p) <= IN_LIMIT for p in parts)
    assert len(parts) == -(-n // IN_LIMIT)
