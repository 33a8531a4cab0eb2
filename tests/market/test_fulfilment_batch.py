"""Accepting in a batch writes the shipments' rows together: the same rows, ids and audit entries
as one by one; a refused acceptance is refused alone, also when it is refused only once its rows
were written (a waybill customs refuses), when the batch runs again one by one."""

from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.logistics import shipments as shipments_module
from ewtp.logistics.models import Leg, Parcel, ParcelItem, Shipment
from ewtp.market import fulfilment as fulfilment_module
from ewtp.market.fulfilment import accept_order, accept_orders
from ewtp.market.models import Order
from tests.market.test_checkout import buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_fulfilment import _paid, _seller_of, _shipped


def test_the_batch_writes_what_one_by_one_writes(buyer, stocked, operator):  # noqa: F811
    vs = stocked("MY", "MYR", n=3, stock=10)
    one = [_paid(buyer, operator, vs[0], qty=2), _paid(buyer, operator, vs[1]), _paid(buyer, operator, vs[2], qty=3)]
    batch = [_paid(buyer, operator, vs[0], qty=2), _paid(buyer, operator, vs[1]), _paid(buyer, operator, vs[2], qty=3)]
    seller = _seller_of(one[0])
    for o in one:
        accept_order(seller, o.pk)
    last = Shipment.objects.order_by("-pk").values_list("pk", flat=True).first()
    n_audit = AuditEntry.objects.count()
    results = accept_orders([(seller, o.pk) for o in batch])
    assert [_shipped(o) for o in batch] == [_shipped(o) for o in one]
    made = [r[1] for r in results]
    # the ids follow on from one by one's, in the batch's order, and the numbers are made from them
    assert made[0].pk > last and [s.pk for s in made] == list(range(made[0].pk, made[0].pk + 3))
    stored = dict(Shipment.objects.filter(pk__in=[s.pk for s in made]).values_list("pk", "tracking_no"))
    assert [s.tracking_no for s in made] == [stored[s.pk] for s in made]
    assert all(s.tracking_no.startswith("EW") and not s.tracking_no.startswith("tmp") for s in made)
    # each shipment's parcels, items and legs follow one another in the batch's order
    parcels = list(Parcel.objects.filter(shipment__in=made).order_by("pk").values_list("shipment_id", flat=True))
    assert parcels == sorted(parcels)
    legs = list(Leg.objects.filter(shipment__in=made).order_by("pk").values_list("shipment_id", "seq"))
    assert legs == sorted(legs)
    items = list(ParcelItem.objects.filter(parcel__shipment__in=made).order_by("pk").values_list("parcel_id", "seq"))
    assert items == sorted(items)
    added = list(AuditEntry.objects.filter(seq__gt=n_audit).order_by("seq").values_list("action", "object_id"))
    expected = []
    for o, s in zip(batch, made, strict=True):
        expected += [("market.order_accepted", str(o.pk)), ("logistics.create_shipment", str(s.pk))]
    assert added == expected


def test_the_same_order_twice_is_accepted_once(buyer, stocked, operator):  # noqa: F811
    [v] = stocked("MY", "MYR", stock=10)
    order = _paid(buyer, operator, v)
    seller = _seller_of(order)
    first, second = accept_orders([(seller, order.pk), (seller, order.pk)])
    assert first[0].state == Order.ACCEPTED
    assert isinstance(second, Conflict) and second.code == "invalid_transition"
    assert Shipment.objects.filter(order_ref=order.reference).count() == 1


def test_a_waybill_refused_after_the_rows_were_written_is_refused_alone(buyer, stocked, operator,  # noqa: F811
                                                                         monkeypatch):
    vs = stocked("MY", "MYR", n=3, stock=10)
    orders = [_paid(buyer, operator, v) for v in vs]
    refused_ref = orders[1].reference
    pushed = shipments_module.push_waybill

    def push(actor, shipment, parcels):
        if shipment.order_ref == refused_ref:
            raise ValidationFailed.field("logisticsNo", "refused by customs (test)")
        return pushed(actor, shipment, parcels)

    monkeypatch.setattr(shipments_module, "push_waybill", push)
    # as if customs had the orders' documents: the batch pushes only those orders' waybills
    monkeypatch.setattr(fulfilment_module, "at_customs", lambda refs: set(refs))
    before = Shipment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    n_audit = AuditEntry.objects.count()
    results = accept_orders([(_seller_of(o), o.pk) for o in orders])
    assert isinstance(results[1], ValidationFailed) and "logisticsNo" in results[1].fields
    assert Order.objects.get(pk=orders[1].pk).state == Order.PAID
    assert not Shipment.objects.filter(order_ref=refused_ref).exists()
    assert [r[1].order_ref for r in (results[0], results[2])] == [orders[0].reference, orders[2].reference]
    assert Shipment.objects.filter(pk__gt=before).count() == 2
    assert not Parcel.objects.filter(shipment__order_ref=refused_ref).exists()
    added = list(AuditEntry.objects.filter(seq__gt=n_audit).order_by("seq").values_list("action", flat=True))
    assert added == ["market.order_accepted", "logistics.create_shipment"] * 2


def test_the_batch_reads_no_column_it_left_unread(buyer, stocked, operator, monkeypatch):  # noqa: F811
    """The batch reads only the columns it needs of orders, groups, lines and variants: none is
    loaded afterwards one row at a time (a deferred field's query)."""
    from django.db.models import Model

    vs = stocked("MY", "MYR", n=2, stock=10)
    orders = [_paid(buyer, operator, v) for v in vs]
    late: list[tuple[str, object]] = []
    refresh = Model.refresh_from_db

    def loaded_late(self, *args, fields=None, **kwargs):
        late.append((type(self).__name__, fields))
        return refresh(self, *args, fields=fields, **kwargs)

    monkeypatch.setattr(Model, "refresh_from_db", loaded_late)
    results = accept_orders([(_seller_of(o), o.pk) for o in orders])
    assert all(r[0].state == Order.ACCEPTED for r in results)
    assert late == []


def test_the_batch_pushes_waybills_only_for_the_orders_customs_has(buyer, stocked, operator,  # noqa: F811
                                                                   monkeypatch):
    """`push_waybill` pushes nothing for an order customs has no order document of: the batch
    reads which orders customs has once, and asks `push_waybill` only for those."""
    vs = stocked("MY", "MYR", n=3, stock=10)
    orders = [_paid(buyer, operator, v) for v in vs]
    asked: list[list[str]] = []
    pushed: list[str] = []
    real = shipments_module.push_waybill

    def at_customs(refs):
        asked.append(list(refs))
        return {orders[1].reference}

    def push(actor, shipment, parcels):
        pushed.append(shipment.order_ref)
        return real(actor, shipment, parcels)

    monkeypatch.setattr(fulfilment_module, "at_customs", at_customs)
    monkeypatch.setattr(shipments_module, "push_waybill", push)
    results = accept_orders([(_seller_of(o), o.pk) for o in orders])
    assert all(r[0].state == Order.ACCEPTED for r in results)
    assert asked == [[o.reference for o in orders]] and pushed == [orders[1].reference]


def test_the_batch_reads_its_orders_once(buyer, stocked, operator):  # noqa: F811
    """accept_orders reads and locks the orders, and its moves take them (transition_many's
    `locked_orders`) instead of reading them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vs = stocked("MY", "MYR", n=2, stock=10)
    batch = [_paid(buyer, operator, v) for v in vs]
    with CaptureQueriesContext(connection) as ctx:
        results = accept_orders([(_seller_of(o), o.pk) for o in batch])
    assert [r[0].state for r in results] == [Order.ACCEPTED] * 2
    assert sum(q["sql"].startswith("SELECT") and 'FROM "market_order"' in q["sql"] for q in ctx.captured_queries) == 1
    assert list(Order.objects.filter(pk__in=[o.pk for o in batch]).values_list("state", flat=True)) == [
        Order.ACCEPTED] * 2
