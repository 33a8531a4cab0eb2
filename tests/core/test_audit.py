import datetime as dt
import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from ewtp.core import audit
from ewtp.core.models import AuditEntry


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record("user:1", "test.thing", object_type="test.obj", object_id=i, before={"v": i}, after={"v": i + 1})


def test_chain_verifies(db):
    _append(5)
    result = audit.verify()
    assert result.ok and result.entries == 5
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_record_needs_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        audit.record("user:1", "test.thing", object_type="x", object_id=1)


def test_entries_are_append_only_through_the_orm(db):
    _append(1)
    e = AuditEntry.objects.get()
    e.action = "tampered"
    with pytest.raises(PermissionError):
        e.save()
    with pytest.raises(PermissionError):
        e.delete()


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_altered_entry_is_detected(db):
    _append(4)
    _raw("UPDATE core_auditentry SET after = %s WHERE seq = 2", ['{"v": 999}'])
    result = audit.verify()
    assert not result.ok and "#2 was altered" in result.problem


def test_removed_entry_is_detected(db):
    _append(4)
    _raw("DELETE FROM core_auditentry WHERE seq = 3")
    result = audit.verify()
    assert not result.ok and "#3 is missing" in result.problem


def test_removed_tail_is_detected(db):
    _append(4)
    _raw("DELETE FROM core_auditentry WHERE seq = 4")
    result = audit.verify()
    assert not result.ok and "entries were removed" in result.problem


def test_rehashed_entry_still_breaks_the_chain(db):
    """Recomputing one entry's own hash after editing it does not help: the next entry points at the old hash."""
    _append(3)
    e = AuditEntry.objects.get(seq=2)
    new_hash = audit.entry_hash(e.seq, e.at.isoformat(), e.actor, "forged", e.object_type, e.object_id,
                                e.before, e.after, e.prev_hash)
    _raw("UPDATE core_auditentry SET action = 'forged', hash = %s WHERE seq = 2", [new_hash])
    result = audit.verify()
    assert not result.ok and "#3 does not point" in result.problem


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Threads appending at once in real parallel transactions still produce one gap-free,
    verifiable chain. PostgreSQL only: SQLite's in-memory test database uses shared-cache
    locking, which fails a waiting writer at once instead of queueing it as the file database does."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")

    from django.db import connections

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit.record(f"user:{n}", "test.parallel", object_type="t", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = audit.verify()
    assert result.ok and result.entries == 60, result


def _entries() -> list[tuple]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", "actor", "action", "object_id", "before",
                                                                "after", "prev_hash"))


def _mixed_work() -> None:
    """Entries at several savepoint depths, one inner savepoint rolled back and caught."""
    audit.record("user:1", "test.a", object_type="t", object_id=1, after={"v": 1})
    with transaction.atomic():
        audit.record("user:2", "test.b", object_type="t", object_id=2, before={"v": 1}, after={"v": 2})
        try:
            with transaction.atomic():
                audit.record("user:3", "test.rolled_back", object_type="t", object_id=3)
                raise ValueError("refused")
        except ValueError:
            pass
        with transaction.atomic():
            audit.record("user:4", "test.c", object_type="t", object_id=4, after={"when": "2026-01-01"})


def test_batch_gives_the_same_chain_as_one_by_one(db, django_assert_max_num_queries):
    _append(2)
    with transaction.atomic():
        _mixed_work()
    one_by_one = [e[:-1] for e in _entries()]  # prev_hash differs only through `at`
    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
    _raw("UPDATE core_audithead SET seq = 0, hash = %s WHERE id = 1", [audit.GENESIS])
    _append(2)
    with audit.batch():
        _mixed_work()
        assert AuditEntry.objects.count() == 2  # not written until the batch ends
    assert [e[:-1] for e in _entries()] == one_by_one
    assert [e[2] for e in _entries()] == ["test.thing", "test.thing", "test.a", "test.b", "test.c"]
    result = audit.verify()
    assert result.ok and result.entries == 5, result


def test_batch_takes_the_head_lock_once(db, django_assert_num_queries):
    _append(1)
    # savepoint, head, insert of all, head update, release
    with django_assert_num_queries(5), audit.batch():
        for i in range(20):
            audit.record("user:1", "test.many", object_type="t", object_id=i)
    assert audit.verify().entries == 21
    assert transaction.get_connection().run_on_commit == []  # the batch's markers are gone


def test_a_failed_batch_writes_nothing(db):
    _append(1)
    with pytest.raises(ValueError), audit.batch():
        audit.record("user:1", "test.lost", object_type="t", object_id=1)
        raise ValueError("refused")
    assert [e[2] for e in _entries()] == ["test.thing"]
    with transaction.atomic():  # and the next entry chains on the head as it was
        audit.record("user:1", "test.next", object_type="t", object_id=2)
    assert audit.verify().ok


def test_a_nested_batch_is_a_savepoint_joining_the_outer_batch(db):
    with audit.batch():
        audit.record("user:1", "test.outer", object_type="t", object_id=1)
        with pytest.raises(ValueError), audit.batch():
            audit.record("user:1", "test.inner_lost", object_type="t", object_id=2)
            raise ValueError("refused")
        with audit.batch():
            audit.record("user:1", "test.inner", object_type="t", object_id=3)
        assert not AuditEntry.objects.exists()
    assert [e[2] for e in _entries()] == ["test.outer", "test.inner"] and audit.verify().ok


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.decimals(allow_nan=False, places=3)
    | st.floats(allow_nan=False) | st.datetimes(timezones=st.just(dt.UTC)),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3) | st.dictionaries(st.integers(), inner, max_size=3),
    max_leaves=12))
def test_canonical_is_the_json_round_trip(value):
    # the quick copy must give exactly what storing the value as JSON and reading it back gives,
    # key order included (the stored text and the hash depend on it)
    slow = json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))
    fast = audit._canonical(value)
    assert json.dumps(fast) == json.dumps(slow)


_plain = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                      max_leaves=10)


@given(st.integers(min_value=1), st.text(max_size=4), st.text(max_size=4), _plain, _plain)
def test_the_hash_is_of_the_whole_entry_as_one_compact_json_list(seq, actor, object_id, before, after):
    # the hash is put together from the pieces' JSON (encoded once for the row too): it must be
    # the hash of the entry's list encoded in one go, as entries written before were hashed
    before, after = audit._canonical(before), audit._canonical(after)
    whole = json.dumps([seq, "2026-12-06T10:00:00+00:00", actor, "a.b", "t", object_id, before, after, "0" * 64],
                       sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert audit.entry_hash(seq, "2026-12-06T10:00:00+00:00", actor, "a.b", "t", object_id, before, after,
                            "0" * 64) == hashlib.sha256(whole.encode()).hexdigest()


def test_a_stored_entry_reads_back_as_it_was_recorded(db):
    with transaction.atomic():
        audit.record("user:1", "test.unicode", object_type="t", object_id=1,
                     before={"b": "马来西亚", "a": [1, "2.50"]}, after=None)
    e = AuditEntry.objects.get()
    assert e.before == {"a": [1, "2.50"], "b": "马来西亚"} and e.after is None and audit.verify().ok
