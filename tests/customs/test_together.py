"""`batch.together`: the batches pushed in one `one_book` block write the parcels' rows once, at its
end, and leave every row as the batches one after another do; a batch that cannot take its fast
path raises Redo out of the block, which rolls back and holds nothing of what was pushed."""

from __future__ import annotations

import pytest
from django.db import transaction

from ewtp.core import compiled
from ewtp.core.actor import SYSTEM
from ewtp.core.errors import Conflict
from ewtp.customs import batch, intake, store
from ewtp.customs.models import Parcel
from tests.customs.test_push_fast import _push_kind_by_kind
from tests.customs.test_push_many import _kinds, _state, parties  # noqa: F401 - fixture


class _Undo(Exception):
    pass


def _pushed(payer, carrier, monkeypatch, *, together: bool) -> tuple[list, int]:
    """(each parcel's state, the parcel row writes) after the four kinds of three parcels pushed
    kind by kind in one block; rolled back after (the next run gets the same ids)."""
    writes = []
    real = compiled.save_many

    def save_many(objs, fields, using="default"):
        if objs and isinstance(objs[0], Parcel):
            writes.append(len(objs))
        return real(objs, fields, using)

    out: list = []
    with monkeypatch.context() as m, pytest.raises(_Undo), transaction.atomic():
        m.setattr(store, "save_many", save_many)
        docs = [_kinds(n) for n in (61, 62, 63)]
        with intake.one_book():
            if together:
                with intake.together() as on:
                    assert on
                    _push_kind_by_kind(docs, payer, carrier)
            else:
                _push_kind_by_kind(docs, payer, carrier)
        states = [_state(d[0][1]["orderNo"]) for d in docs]
        for st in states:  # each run's documents have their own random guids, hence digests
            st["docs"] = [x[:3] for x in st["docs"]]
        out.append(states)
        raise _Undo
    return out[0], len(writes)


def test_together_writes_each_parcel_row_once_and_the_same_rows(parties, monkeypatch):  # noqa: F811
    payer, carrier = parties
    apart, apart_writes = _pushed(payer, carrier, monkeypatch, together=False)
    joined, joined_writes = _pushed(payer, carrier, monkeypatch, together=True)
    assert joined == apart
    assert apart[0]["declaration"] is not None and apart[0]["parcel"][0] == Parcel.MATCHED
    assert (apart_writes, joined_writes) == (4, 1)


def test_a_batch_off_the_fast_path_sends_the_block_back(parties, monkeypatch):  # noqa: F811
    payer, carrier = parties
    docs = [_kinds(n) for n in (71, 72)]
    real = store.rematch

    def rematch(book, order_no):
        if order_no == docs[1][0][1]["orderNo"] and book.versions(order_no, "payment").current:
            raise Conflict("refused after the document was written")
        return real(book, order_no)

    monkeypatch.setattr(store, "rematch", rematch)
    with transaction.atomic(), intake.one_book():
        with pytest.raises(intake.Redo), intake.together():
            intake.push_json_many(SYSTEM, "order", [(d[0][1], "CN") for d in docs])
            intake.push_json_many(payer, "payment", [(d[1][1], "CN") for d in docs])
        assert not batch.in_together()
        assert not Parcel.objects.filter(order_no__in=[d[0][1]["orderNo"] for d in docs]).exists()
        assert batch.book().parcels == {}  # the book rolled back with the block
        # outside it, each batch goes on its own: the refused payment is refused in its place
        intake.push_json_many(SYSTEM, "order", [(d[0][1], "CN") for d in docs])
        results = intake.push_json_many(payer, "payment", [(d[1][1], "CN") for d in docs])
        assert results[0].outcome == "stored" and isinstance(results[1], Conflict)



