"""`orders.transition_many` is `orders.transition` one by one: the same states, stock, reservations
and audit entries, a refused move in its place changing nothing."""

from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import Order, StockLevel, StockReservation
from ewtp.market.orders import Move
from ewtp.market.placement import place_order
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _placed(buyer, variant, qty):  # noqa: F811
    cart.set_quantity(buyer, variant, qty)
    return place_order(buyer, quote_checkout(buyer, AU).pk).orders.get()


def _world(buyer, v):  # noqa: F811
    """[placed, placed, placed] orders of 1, 2 and 3 units of one variant."""
    return [_placed(buyer, v, q) for q in (1, 2, 3)]


def _moves(operator, buyer, os):  # noqa: F811
    a, b, c = os
    return [Move(operator, a.pk, Order.PAID, "paid"), Move(operator, b.pk, Order.PAID, "paid"),
            Move(operator, a.pk, Order.ACCEPTED, "accepted"), Move(operator, a.pk, Order.SHIPPED, "shipped"),
            Move(operator, c.pk, Order.SHIPPED, "refused: still placed"),
            Move(buyer, b.pk, Order.CANCELLED, "changed my mind"), Move(operator, 10**9, Order.PAID, "no such order"),
            Move(operator, c.pk, Order.CANCELLED, "never paid")]


def _records(os, variant, since):
    level = StockLevel.objects.get(variant_id=variant)
    return ([(o.state) for o in Order.objects.filter(pk__in=[o.pk for o in os]).order_by("pk")],
            [sorted(StockReservation.objects.filter(line__order=o).values_list("quantity", "released")) for o in os],
            (level.on_hand, level.reserved),
            list(AuditEntry.objects.filter(seq__gt=since).order_by("seq").values_list("actor", "action", "before",
                                                                                      "after")))


def test_a_batch_of_transitions_is_transitions_one_by_one(buyer, stocked, operator):  # noqa: F811
    [v1, v2] = stocked(n=2, stock=20)
    one, batch = _world(buyer, v1), _world(buyer, v2)

    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    errors = []
    for m in _moves(operator, buyer, one):
        try:
            orders.transition(m.actor, m.order_id, m.to, reason=m.reason)
        except (Conflict, NotFound) as err:
            errors.append(type(err))
    expected = _records(one, v1, since)

    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    results = orders.transition_many(_moves(operator, buyer, batch))
    assert [type(r) for r in results if not isinstance(r, Order)] == errors == [Conflict, NotFound]
    assert isinstance(results[4], Conflict) and isinstance(results[6], NotFound)
    assert _records(batch, v2, since) == expected
    assert expected[0] == [Order.SHIPPED, Order.CANCELLED, Order.CANCELLED]
    assert expected[2] == (19, 0)  # one unit shipped, the rest released



def _refuse(order: Order) -> None:
    raise ValidationFailed.field("x", "refused after the move")


def test_a_moves_further_work_runs_in_its_savepoint(buyer, stocked, operator):  # noqa: F811
    [v] = stocked(stock=5)
    a, b = _placed(buyer, v, 1), _placed(buyer, v, 1)
    seen = []
    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    results = orders.transition_many([Move(operator, a.pk, Order.CANCELLED, then=_refuse),
                                      Move(operator, b.pk, Order.CANCELLED, then=lambda o: seen.append(o.state))])
    assert isinstance(results[0], ValidationFailed) and results[1].state == Order.CANCELLED
    assert seen == [Order.CANCELLED]  # as after `transition`
    assert dict(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "state")) == {
        a.pk: Order.PLACED, b.pk: Order.CANCELLED}
    assert StockLevel.objects.get(variant_id=v).reserved == 1  # a's units still reserved
    assert list(AuditEntry.objects.filter(seq__gt=since).values_list("object_id", flat=True)) == [str(b.pk)]


def test_a_stock_write_that_fails_fails_the_batch_as_it_fails_the_move(buyer, stocked, operator):  # noqa: F811
    import pytest
    from django.db import IntegrityError, transaction

    [v] = stocked(stock=5)
    a, b = _placed(buyer, v, 1), _placed(buyer, v, 2)
    for o in (a, b):
        for to in (Order.PAID, Order.ACCEPTED):
            orders.transition(operator, o.pk, to)
    StockLevel.objects.filter(variant_id=v).update(reserved=1)  # b's two reserved units are no longer counted
    for run in (lambda: orders.transition(operator, b.pk, Order.SHIPPED),
                lambda: orders.transition_many([Move(operator, a.pk, Order.SHIPPED), Move(operator, b.pk, Order.SHIPPED)])):
        with pytest.raises(IntegrityError), transaction.atomic():
            run()
        assert list(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == [Order.ACCEPTED] * 2
        level = StockLevel.objects.get(variant_id=v)
        assert (level.on_hand, level.reserved) == (5, 1)


def test_a_move_without_savepoint_raises_a_refusal_of_its_further_work(buyer, stocked, operator):  # noqa: F811
    """`savepoint=False`: the move's `then` runs without a savepoint of its own, so a refusal there
    is raised out of the batch (its caller rolls the batch back); a refusal of the move's own
    checks is still given in its place; a `then` that succeeds does as with a savepoint."""
    import pytest
    from django.db import transaction

    [v] = stocked(stock=5)
    a, b = _placed(buyer, v, 1), _placed(buyer, v, 1)
    seen = []
    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with pytest.raises(ValidationFailed), transaction.atomic():
        orders.transition_many([Move(operator, b.pk, Order.PAID, then=seen.append, savepoint=False),
                                Move(operator, a.pk, Order.PAID, then=_refuse, savepoint=False)])
    assert set(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == {Order.PLACED}
    assert not AuditEntry.objects.filter(seq__gt=since).exists()

    results = orders.transition_many([Move(operator, a.pk, Order.SHIPPED, then=_refuse, savepoint=False),
                                      Move(operator, b.pk, Order.PAID, then=lambda o: seen.append(o.state),
                                           savepoint=False)])
    assert isinstance(results[0], Conflict) and results[1].state == Order.PAID  # a: still placed
    assert seen[-1] == Order.PAID
    assert list(AuditEntry.objects.filter(seq__gt=since).values_list("object_id", flat=True)) == [str(b.pk)]
