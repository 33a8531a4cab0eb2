"""The fast path of a batch (`customs.batch`) ends exactly as the one-by-one path: the same rows,
audit entries, results and errors; what it cannot reproduce rolls it back for the one-by-one path."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.core.compiled import save_fields, save_many
from ewtp.core.errors import AppError, Conflict, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.customs import batch, declarations, declare_batch, intake, store
from ewtp.customs.models import Parcel
from tests.customs.test_push_many import _kinds, _pusher, _state, parties  # noqa: F401 - fixture


def _one_by_one(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise batch.Redo

    monkeypatch.setattr(batch, "fast_pushes", refuse)


def _push_kind_by_kind(batched: list, payer, carrier) -> list[list]:
    out = []
    for k in range(4):
        kind = batched[0][k][0]
        out.append(intake.push_json_many(_pusher(kind, payer, carrier), kind, [(d[k][1], "CN") for d in batched]))
    return out


def _entries(order_no: str) -> list[tuple]:
    """The audit entries of a parcel's rows, without ids that differ between parcels."""
    p = Parcel.objects.get(order_no=order_no)
    return [(e.action, e.before, {k: v for k, v in (e.after or {}).items() if k not in ("order_no", "digest", "number")})
            for e in AuditEntry.objects.filter(object_type="customs.parcel", object_id=str(p.pk)).order_by("seq")]


def test_the_fast_path_ends_as_the_one_by_one_path(parties, monkeypatch):  # noqa: F811
    payer, carrier = parties
    fast = [_kinds(n) for n in (31, 32, 33)]
    with CaptureQueriesContext(connection) as q:
        fast_results = _push_kind_by_kind(fast, payer, carrier)
    fast_savepoints = sum(x["sql"].startswith("SAVEPOINT") for x in q.captured_queries)
    _one_by_one(monkeypatch)
    slow = [_kinds(n) for n in (34, 35, 36)]
    with CaptureQueriesContext(connection) as q:
        slow_results = _push_kind_by_kind(slow, payer, carrier)
    assert sum(x["sql"].startswith("SAVEPOINT") for x in q.captured_queries) > fast_savepoints
    for a, b in zip(fast_results, slow_results, strict=True):
        assert [(r.kind, r.version, r.outcome, r.parcel.status, r.parcel.checks) for r in a] == \
               [(r.kind, r.version, r.outcome, r.parcel.status, r.parcel.checks) for r in b]
    for f, s in zip(fast, slow, strict=True):
        a, b = _state(f[0][1]["orderNo"]), _state(s[0][1]["orderNo"])
        assert a["parcel"][0] == Parcel.MATCHED and a["declaration"] is not None
        assert [d[:3] for d in a["docs"]] == [d[:3] for d in b["docs"]] and a["actions"] == b["actions"]
        assert a["parcel"][:3] == b["parcel"][:3]
        assert _entries(f[0][1]["orderNo"]) == _entries(s[0][1]["orderNo"])
        # the parcel's row holds what the book ended with
        p = Parcel.objects.get(order_no=f[0][1]["orderNo"])
        assert (p.status, p.discrepancies, p.checks) == a["parcel"][:3] and p.checked_at is not None


def _refusals(numbers: tuple[int, ...]) -> list:
    docs = [_kinds(n) for n in numbers]
    intake.push_json(SYSTEM, "order", docs[1][0][1])  # exists: appType 1 again is a conflict
    changed = {**docs[1][0][1], "buyerName": "someone else"}
    bad_field = {**docs[2][0][1], "goodsValue": "12.1234567"}
    return intake.push_json_many(SYSTEM, "order", [(docs[0][0][1], "CN"), (changed, "CN"), (bad_field, "CN"),
                                                   (docs[3][0][1], "DE"), (docs[1][0][1], "CN")])


def _shape(results: list) -> list:
    return [(type(r).__name__, r.message.split(" ")[0] if isinstance(r, AppError) else (r.version, r.outcome,
                                                                                         r.parcel.checks))
            for r in results]


def test_refusals_found_before_writing_are_in_place_as_one_by_one(db, monkeypatch):
    fast = _refusals((41, 42, 43, 44))
    assert isinstance(fast[1], Conflict) and isinstance(fast[2], ValidationFailed)
    assert [getattr(r, "outcome", None) for r in fast] == ["stored", None, None, "stored", "unchanged"]
    _one_by_one(monkeypatch)
    assert _shape(_refusals((45, 46, 47, 48))) == _shape(fast)
    assert not Parcel.objects.filter(order_no__in=[_kinds(n)[0][1]["orderNo"] for n in (43, 47)]).exists()


def test_a_failure_after_writing_rolls_the_batch_back_for_the_one_by_one_path(parties, monkeypatch):  # noqa: F811
    payer, _ = parties
    docs = [_kinds(n) for n in (51, 52, 53)]
    for d in docs:
        intake.push_json(SYSTEM, "order", d[0][1])
    failing = docs[1][0][1]["orderNo"]
    real = store.rematch
    calls = []

    def rematch(book, order_no):
        calls.append(order_no)
        if order_no == failing:
            raise Conflict("refused after the document was written")
        return real(book, order_no)

    monkeypatch.setattr(store, "rematch", rematch)
    results = intake.push_json_many(payer, "payment", [(d[1][1], "CN") for d in docs])
    assert isinstance(results[1], Conflict) and [results[0].outcome, results[2].outcome] == ["stored", "stored"]
    assert calls.count(docs[0][0][1]["orderNo"]) == 2  # the fast path, then one by one
    assert [_state(d[0][1]["orderNo"])["parcel"][2] for d in docs] == [2, 1, 2]
    assert [k for k, *_ in _state(failing)["docs"]] == ["order"]


@pytest.mark.parametrize("fields", [["status", "checks"], ["landed_cost", "seller", "discrepancies"]])
def test_save_many_writes_the_rows_save_fields_writes(db, fields):
    a = [Parcel.objects.create(order_no=f"SM{n}") for n in range(3)]
    b = [Parcel.objects.create(order_no=f"SF{n}") for n in range(3)]
    for n, (x, y) in enumerate(zip(a, b, strict=True)):
        for p in (x, y):
            p.status, p.checks, p.landed_cost, p.discrepancies = Parcel.MATCHED, n + 1, {"n": n}, [{"rule": "r"}]
    save_many(a, fields)
    for p in b:
        save_fields(p, fields)
    got = [Parcel.objects.filter(pk=p.pk).values(*fields).get() for p in a + b]
    assert got[:3] == got[3:] and got[0][fields[0]] != Parcel._meta.get_field(fields[0]).get_default()


def test_batches_in_one_book_end_as_batches_each_with_its_own(parties, monkeypatch):  # noqa: F811
    payer, carrier = parties
    shared, alone = [_kinds(n) for n in (61, 62)], [_kinds(n) for n in (63, 64)]
    failing = shared[1][0][1]["orderNo"]
    real = store.rematch

    def rematch(book, order_no):  # the payment batch's fast path fails after writing, once
        if order_no == failing and book.versions(order_no, "payment").current and not calls:  # once
            calls.append(order_no)
            raise Conflict("refused once, after writing")
        return real(book, order_no)

    calls: list[str] = []
    monkeypatch.setattr(store, "rematch", rematch)
    with transaction.atomic(), intake.one_book(), CaptureQueriesContext(connection) as q:
        in_one = _push_kind_by_kind(shared, payer, carrier)
    assert calls == [failing]
    parcel_reads = sum(x["sql"].startswith('SELECT "customs_parcel"') for x in q.captured_queries)
    calls.append("no more refusals")
    with CaptureQueriesContext(connection) as q:
        each = _push_kind_by_kind(alone, payer, carrier)
    assert sum(x["sql"].startswith('SELECT "customs_parcel"') for x in q.captured_queries) > parcel_reads
    # the fast path of the payments rolled back once (the one-by-one path then stored them), and
    # the next batches read again what the rolled-back book had held
    # (a result's parcel is the book's: in one book, the later batches' state)
    for a, b in zip(in_one, each, strict=True):
        assert [(r.version, r.outcome) for r in a] == [(r.version, r.outcome) for r in b]
    for s, e in zip(shared, alone, strict=True):
        a, b = _state(s[0][1]["orderNo"]), _state(e[0][1]["orderNo"])
        assert a["parcel"][:3] == b["parcel"][:3] and a["actions"] == b["actions"] and a["declaration"] is not None
        assert _entries(s[0][1]["orderNo"]) == _entries(e[0][1]["orderNo"])


def test_the_books_year_to_date_is_the_databases_at_every_match(parties, monkeypatch):  # noqa: F811
    """One buyer's parcels: undeclared at first, then declared one after the other inside a batch —
    each match sees what the database sums at that moment, with the declarations still waiting
    to be written (`declare_batch`: one by one, they would be written), and no sum query."""
    payer, carrier = parties
    real, seen, made = store.reconcile, [], []
    real_declare, real_ytd = declare_batch.Pending.declare, declarations.buyer_year_to_date

    def declare(self, *args, **kwargs):
        made.append(real_declare(self, *args, **kwargs))
        return made[-1]

    def spy(order, *args, buyer_year_to_date=None, **kwargs):
        if buyer_year_to_date is not None:
            pk = Parcel.objects.get(order_no=order.order_no).pk
            truth = real_ytd(order.buyer_id_number, timezone.now().year, exclude_parcel=pk)
            truth += sum(d.customs_value for d in made
                         if d.pk is None and d.buyer_id_number == order.buyer_id_number and d.parcel_id != pk)
            seen.append((buyer_year_to_date, truth))
        return real(order, *args, buyer_year_to_date=buyer_year_to_date, **kwargs)

    def no_sum(*args, **kwargs):
        raise AssertionError("a sum query per parcel")

    monkeypatch.setattr(store, "reconcile", spy)
    monkeypatch.setattr(declare_batch.Pending, "declare", declare)
    monkeypatch.setattr(declarations, "buyer_year_to_date", no_sum)
    _push_kind_by_kind([_kinds(n) for n in (81, 82, 83)], payer, carrier)
    with transaction.atomic(), intake.one_book():
        _push_kind_by_kind([_kinds(n) for n in (84, 85)], payer, carrier)
    assert len(seen) == 20 and all(a == b for a, b in seen)
    assert seen[0][0] == 0 and seen[-1][0] > 0 and len({a for a, _ in seen[8:12]}) > 1


def test_a_book_reads_the_json_only_of_documents_not_parsed_before(parties, monkeypatch):  # noqa: F811
    payer, carrier = parties
    docs = [_kinds(n) for n in (91, 92)]
    _push_kind_by_kind(docs, payer, carrier)
    nos = [d[0][1]["orderNo"] for d in docs]
    with transaction.atomic():
        warm = store.Book()
        warm.load(nos)
        assert all("fields" not in v.current for v in warm.docs.values())  # all parsed when stored
        monkeypatch.setattr(store, "_TYPED", {})
        cold = store.Book()
        cold.load(nos)
        assert all("fields" in v.current for v in cold.docs.values())
        assert [warm.current_documents(no) for no in nos] == [cold.current_documents(no) for no in nos]
