"""`customs_docs.with_loaded` gives what the queryset gives, in its order, with the orders the
caller loaded already in place of fresh copies of them."""

from __future__ import annotations

from django.forms.models import model_to_dict

from ewtp.market import customs_docs
from ewtp.market.models import Order
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_process import CN, _paid_order


def _row(o: Order) -> tuple:
    return model_to_dict(o), o.snapshot, o.group.destination, o.group_id


def test_with_loaded_is_the_query_with_loaded_orders_reused(buyer, stocked):  # noqa: F811
    variants = stocked()
    orders = [_paid_order(buyer, variants[0], dest) for dest in (AU, CN, AU)]
    qs = Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("group")
    fresh = list(qs.order_by("-pk"))
    loaded = list(qs.filter(pk=orders[1].pk))
    got = customs_docs.with_loaded(qs.order_by("-pk"), loaded)
    assert [o.pk for o in got] == [o.pk for o in fresh]
    assert got[1] is loaded[0]  # taken as loaded, not read again
    assert not any(o.get_deferred_fields() or o.group.get_deferred_fields() for o in got)  # none read lazily
    assert [_row(o) for o in got] == [_row(o) for o in fresh]
    assert customs_docs.with_loaded(qs.filter(pk=0), loaded) == []
