"""`intake.current_many`: the current documents of one kind as stored, taking those an open
`one_book` block holds rather than reading them again; the same answer either way."""

from __future__ import annotations

from django.db import transaction

from ewtp.core.actor import SYSTEM
from ewtp.customs import batch, intake
from ewtp.customs.jsondocs import to_json
from ewtp.customs.models import TradeDocument
from tests.customs.factories import parcel


def _read(order_nos: list[str], kind: str) -> dict:
    return {no: (f, j) for no, f, j in TradeDocument.objects.filter(kind=kind, current=True, order_no__in=order_nos)
            .values_list("order_no", "fields", "jurisdiction")}


def test_current_many_is_the_stored_documents_with_or_without_a_book(db, django_assert_num_queries):
    intake.push_json(SYSTEM, "order", to_json(parcel(21)[0]))  # before the block: read from the database
    nos = [parcel(n)[0].order_no for n in (21, 22, 23)]
    with transaction.atomic(), intake.one_book():
        intake.push_json_many(SYSTEM, "order", [(to_json(parcel(22)[0]), "CN")])  # in the book
        with django_assert_num_queries(1):  # only the one the book does not hold
            got = intake.current_many([*nos, nos[1]], TradeDocument.ORDER)
        assert batch.open_book() is not None
        assert got == _read(nos, TradeDocument.ORDER)
        assert set(got) == set(nos[:2])  # the third has none
    assert batch.open_book() is None
    assert intake.current_many(nos, TradeDocument.ORDER) == _read(nos, TradeDocument.ORDER)
    assert intake.current_many(nos, TradeDocument.WAYBILL) == {}
