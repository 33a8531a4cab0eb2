"""A compiled query gives what its queryset gives, in one statement, for any values."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from ewtp.accounts.models import Membership, Organisation, User
from ewtp.core.compiled import CompiledQuery
from tests.conftest import is_postgres

_memberships = CompiledQuery(lambda user_id: Membership.objects.filter(user_id=user_id)
                             .select_related("user", "organisation").order_by("id"))
_orgs = CompiledQuery(lambda ids: Organisation.objects.filter(pk__in=ids).order_by("id"))
_locked = CompiledQuery(lambda pk: Organisation.objects.select_for_update().filter(pk=pk))


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def members(db):
    orgs = [Organisation.objects.create(kind="seller", name=f"Org {i}", country="MY") for i in range(3)]
    users = [User.objects.create_user(username=f"compiled-{i}", password="a-long-password-1") for i in range(2)]
    for org in orgs:
        Membership.objects.create(user=users[0], organisation=org)
    Membership.objects.create(user=users[1], organisation=orgs[0])
    return users, orgs


def test_same_rows_and_related_objects_as_the_queryset(members):
    users, _ = members
    for user in users:  # the second call runs the plan the first one compiled
        expected = list(Membership.objects.filter(user_id=user.pk).select_related("user", "organisation").order_by("id"))
        with CaptureQueriesContext(connection) as ctx:
            got = _memberships(user.pk)
            related = [(m.user.date_joined, m.organisation.created_at) for m in got]  # no further query
        assert len(ctx.captured_queries) == 1
        assert [_fields(m) for m in got] == [_fields(m) for m in expected]
        assert [_fields(m.user) for m in got] == [_fields(m.user) for m in expected]
        assert [_fields(m.organisation) for m in got] == [_fields(m.organisation) for m in expected]
        assert related == [(m.user.date_joined, m.organisation.created_at) for m in expected]
        assert all(not m._state.adding and m._state.db == "default" for m in got)


def test_lists_of_any_length_and_values_that_match_nothing(members):
    _, orgs = members
    ids = [o.pk for o in orgs]
    assert [o.pk for o in _orgs(ids)] == ids
    assert [o.pk for o in _orgs(ids[:1])] == ids[:1]
    assert [o.pk for o in _orgs([ids[2], ids[0]])] == [ids[0], ids[2]]
    assert _orgs([10**12]) == [] and _memberships(10**12) == []
    assert _memberships(2**63) == [] and _orgs([]) == [] and _orgs([2**64]) == []  # as Django answers
    assert [o.pk for o in _orgs([2**64, ids[0]])] == ids[:1]  # a value beyond any row matches none


def test_refuses_values_it_cannot_run(members):
    for bad in ("1", None, 1.0, True, ["1"]):
        with pytest.raises(TypeError):
            _orgs([bad]) if not isinstance(bad, list) else _orgs(bad)
    with pytest.raises(TypeError):  # a value that does not reach the SQL as a parameter
        CompiledQuery(lambda n: Organisation.objects.all()[:n])(1)


def test_select_for_update_locks_the_rows(members):
    _, orgs = members
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        assert [o.pk for o in _locked(orgs[0].pk)] == [orgs[0].pk]
    assert ("FOR UPDATE" in ctx.captured_queries[-1]["sql"]) == is_postgres()  # SQLite has no row locks


@pytest.mark.django_db(transaction=True)
def test_select_for_update_outside_a_transaction_is_refused_as_by_django():
    org = Organisation.objects.create(kind="seller", name="Org", country="MY")
    if is_postgres():
        with pytest.raises(TransactionManagementError):
            list(Organisation.objects.select_for_update().filter(pk=org.pk))
        with pytest.raises(TransactionManagementError):
            _locked(org.pk)
    else:  # SQLite has no row locks, and Django does not refuse there
        assert [o.pk for o in _locked(org.pk)] == [org.pk]


def test_insert_writes_what_bulk_create_writes(members):
    from django.db.models import F

    from ewtp.core.compiled import insert

    users, orgs = members
    before = list(Organisation.objects.values_list("pk", flat=True))
    ours = insert([Organisation(kind="seller", name=f"New {i}", country="SG") for i in range(3)])
    theirs = Organisation.objects.bulk_create([Organisation(kind="seller", name=f"New {i}", country="SG")
                                              for i in range(3)])
    assert all(o.pk and not o._state.adding and o._state.db == "default" and o.created_at for o in ours)
    assert len({o.pk for o in ours} | set(before)) == len(before) + 3
    stored = {o.pk: o for o in Organisation.objects.filter(pk__in=[o.pk for o in ours + theirs])}
    for mine, django in zip(ours, theirs, strict=True):
        a, b = _fields(stored[mine.pk]), _fields(stored[django.pk])
        assert a.pop("id") == mine.pk and a.pop("created_at") == mine.created_at  # auto_now_add, as read back
        b.pop("id"), b.pop("created_at")
        assert a == b
    m = insert([Membership(user=users[1], organisation=ours[0])])[0]  # a related object's key
    assert Membership.objects.get(pk=m.pk).organisation_id == ours[0].pk
    assert insert([]) == []
    with pytest.raises(TypeError):
        insert([Organisation(kind="seller", name="x", country="MY"), Membership(user=users[0], organisation=orgs[0])])
    with pytest.raises(TypeError):
        insert([Organisation(pk=10**9, kind="seller", name="x", country="MY")])
    with pytest.raises(TypeError):
        insert([Organisation(kind="seller", name=F("country"), country="MY")])
    with pytest.raises(ValueError):  # an unsaved parent, refused as by bulk_create
        insert([Membership(user=users[0], organisation=Organisation(kind="seller", name="y", country="MY"))])


@pytest.mark.django_db
def test_create_writes_what_objects_create_writes():
    from ewtp.core.compiled import create
    from ewtp.payments.models import WebhookEvent

    values = {"provider": "sandbox", "event_id": "evt_x", "type": "payment.captured", "payload": {"a": 1},
              "outcome": "ok"}
    theirs = WebhookEvent.objects.create(**values)
    ours = create(WebhookEvent, **(values | {"event_id": "evt_y"}))
    assert ours.pk is not None and not ours._state.adding
    skip = {"id", "event_id", "received_at", "created_at"}
    got, expected = (WebhookEvent.objects.values().get(pk=o.pk) for o in (ours, theirs))
    assert {k: v for k, v in got.items() if k not in skip} == {k: v for k, v in expected.items() if k not in skip}
    with pytest.raises(IntegrityError), transaction.atomic():  # the same unique rules
        create(WebhookEvent, **values)


def _parcel_pair():
    from ewtp.customs.models import Parcel

    return [Parcel.objects.create(order_no=f"SF-{tag}", landed_cost={"keep": tag}) for tag in ("a", "b")]


@pytest.mark.django_db
def test_save_fields_writes_what_save_update_fields_writes(members):
    from ewtp.core.compiled import save_fields
    from ewtp.customs.models import Parcel

    _, orgs = members
    theirs, ours = _parcel_pair()
    fields = ["buyer_id_number", "seller", "status", "discrepancies", "checks", "checked_at"]
    for p in (theirs, ours):
        p.buyer_id_number, p.seller, p.status = "ID-1", orgs[1], Parcel.MATCHED
        p.discrepancies, p.checks, p.checked_at = [{"rule": "x"}], 3, theirs.created_at
        p.landed_cost = {"changed": True}  # not listed: stays as stored
    theirs.save(update_fields=fields)
    with CaptureQueriesContext(connection) as ctx:
        save_fields(ours, fields)
    assert len(ctx.captured_queries) == 1
    skip = {"id", "order_no", "created_at", "landed_cost"}  # landed_cost: each its own, unchanged
    got, expected = (Parcel.objects.values().get(pk=p.pk) for p in (ours, theirs))
    assert {k: v for k, v in got.items() if k not in skip} == {k: v for k, v in expected.items() if k not in skip}
    assert got["landed_cost"] == {"keep": "b"}


@pytest.mark.django_db
def test_save_fields_auto_now_and_refusals():
    from ewtp.core.compiled import save_fields
    from ewtp.core.models import AuditEntry
    from ewtp.customs.models import Declaration, Parcel

    p = _parcel_pair()[0]
    d = Declaration.objects.create(parcel=p, number="SF1", jurisdiction="CN", goods_value=1, freight=0,
                                   customs_value=1)
    stamped = d.updated_at
    d.status = "800"
    save_fields(d, ["status", "updated_at"])  # auto_now is stamped as save stamps it
    assert d.updated_at > stamped
    assert Declaration.objects.values_list("status", "updated_at").get(pk=d.pk) == ("800", d.updated_at)
    gone = Parcel.objects.get(pk=p.pk)
    Declaration.objects.filter(pk=d.pk).delete()
    Parcel.objects.filter(pk=p.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():  # as save(update_fields=) on a deleted row
        save_fields(gone, ["status"])
    with pytest.raises(TypeError):
        save_fields(Parcel(order_no="new"), ["status"])  # never saved
    with pytest.raises(TypeError):
        save_fields(AuditEntry(id=1), ["seq"])  # a model with its own save (append-only)
    with pytest.raises(TypeError):
        save_fields(Parcel.objects.get(order_no="SF-b"), ["id"])  # the key


_by_name = CompiledQuery(lambda name, kind: Organisation.objects.filter(name=name, kind=kind).order_by("pk")[:1],
                         texts=(0, 1))
_by_names = CompiledQuery(lambda names: Organisation.objects.filter(name__in=names).order_by("pk"), texts=(0,))


def test_text_arguments(members):
    _, orgs = members
    for org in orgs:
        assert [_fields(o) for o in _by_name(org.name, "seller")] == [_fields(org)]
    assert _by_name(orgs[0].name, "buyer") == [] and _by_name("nobody", "seller") == []
    assert _by_name("O'Brien; DROP", "seller") == []  # a parameter, never SQL
    assert [o.pk for o in _by_names([orgs[2].name, orgs[0].name])] == [orgs[0].pk, orgs[2].pk]
    assert _by_names([]) == []
    for bad in ((1, "seller"), (None, "seller"), ([orgs[0].name], "seller")):
        with pytest.raises(TypeError):
            _by_name(*bad)
    with pytest.raises(TypeError):
        _by_names([orgs[0].name, 1])


@pytest.mark.django_db
def test_get_or_create_as_django():
    from ewtp.core.compiled import get_or_create
    from ewtp.payments.models import SandboxRecord

    by_ref = CompiledQuery(lambda ref: SandboxRecord.objects.filter(ref=ref)[:1], texts=(0,))
    values = {"kind": "payment", "reference": "O-1", "currency": "MYR", "amount_minor": 1250, "status": "created"}
    theirs, made = SandboxRecord.objects.get_or_create(ref="sbx_a", defaults=values)
    ours, ours_made = get_or_create(by_ref, ("sbx_b",), SandboxRecord, ref="sbx_b", **values)
    assert made and ours_made
    got, expected = (SandboxRecord.objects.values().get(pk=r.pk) for r in (ours, theirs))
    skip = ("id", "ref", "created_at")
    assert {k: v for k, v in got.items() if k not in skip} == {k: v for k, v in expected.items() if k not in skip}
    again, again_made = get_or_create(by_ref, ("sbx_b",), SandboxRecord, ref="sbx_b", **(values | {"status": "x"}))
    assert (again.pk, again.status, again_made) == (ours.pk, "created", False)  # the row, unchanged


@pytest.mark.django_db
def test_get_or_create_finds_the_row_a_concurrent_writer_made():
    from ewtp.core.compiled import get_or_create
    from ewtp.payments.models import SandboxRecord

    made = SandboxRecord.objects.create(ref="sbx_c", kind="payment", reference="O-2", currency="MYR",
                                        amount_minor=1, status="created")
    calls = []

    def found(ref):  # the first look misses it, as a writer committing meanwhile would make it
        calls.append(ref)
        return [] if len(calls) == 1 else list(SandboxRecord.objects.filter(ref=ref))

    row, created = get_or_create(found, ("sbx_c",), SandboxRecord, ref="sbx_c", kind="payment", reference="O-2",
                                 currency="MYR", amount_minor=1, status="created")
    assert (row.pk, created, len(calls)) == (made.pk, False, 2)
    with pytest.raises(IntegrityError):  # a conflict on another key is not hidden
        get_or_create(lambda ref: [], ("sbx_d",), SandboxRecord, ref="sbx_c", kind="payment", reference="O-2",
                      currency="MYR", amount_minor=1, status="created")


@pytest.mark.django_db
def test_insert_values_splits_its_rows_into_statements_under_the_parameter_bound(monkeypatch):
    from django.utils import timezone

    from ewtp.core import compiled
    from ewtp.payments.models import WebhookEvent

    names = ("provider", "event_id", "type", "payload", "outcome", "received_at")
    now = timezone.now()
    rows = [("sandbox", f"evt_{i}", "payment.captured", {"n": i}, "ok", now) for i in range(5)]
    monkeypatch.setattr(compiled, "VALUE_PARAMS", 2 * len(names))  # two rows a statement
    with CaptureQueriesContext(connection) as queries:
        ids = compiled.insert_values(WebhookEvent, names, rows)
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 3
    assert ids == sorted(ids) and len(set(ids)) == 5
    stored = {e.pk: (e.event_id, e.payload) for e in WebhookEvent.objects.filter(pk__in=ids)}
    assert [stored[pk] for pk in ids] == [(f"evt_{i}", {"n": i}) for i in range(5)]
