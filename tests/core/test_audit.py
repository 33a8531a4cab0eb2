import pytest
from django.db import connection, transaction

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
