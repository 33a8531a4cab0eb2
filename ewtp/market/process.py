"""The order's process reacting to other domains' records, by reading them (polling): the domains
it follows never call it. Idempotent: run it as often as you like — `ewtp market sync`.

- `sync_all` runs every poll in order: payments, customs, shipments (`process_shipments`), returns
  (`process_returns`);
- payments: a captured payment moves an order still `placed` to `paid`;
- customs, for cross-border orders: a paid order's order and payment documents are pushed; once
  the logistics partner's waybill is there, the hub files the inventory list (which declares the
  parcel); a released declaration moves a `shipped` order to `cleared` (an order released before
  it ships waits for `shipped`); a rejected declaration puts the order on its refund path — a
  paid or accepted order is cancelled, a shipped one is refunded, in both cases the escrow is
  refunded in full through the provider (`ewtp.payments.services.request_refund`), stock and the
  buyer's CBEC usage are given back as for any cancellation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from ewtp.core import gcpolicy
from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.errors import AppError
from ewtp.customs import declarations, intake
from ewtp.customs.models import TradeDocument
from ewtp.logistics import waybill
from ewtp.market import customs_docs
from ewtp.market.models import Order
from ewtp.market.orders import Move, transition_many
from ewtp.payments.models import Payment

IN_FLIGHT = (Order.PAID, Order.ACCEPTED, Order.SHIPPED)


def sync_payments(actor: Actor = SYSTEM, limit: int = 10_000) -> int:
    """placed -> paid for captured payments, in one batch; a refused move (an order changed
    meanwhile) is left for the next run. -> orders moved."""
    # correlated (EXISTS), from the few placed orders: an IN list of captured payments grows forever
    captured = Exists(Payment.objects.filter(state=Payment.CAPTURED, order_ref=OuterRef("reference")))
    ids = list(Order.objects.filter(captured, state=Order.PLACED).order_by("pk").values_list("pk", flat=True)[:limit])
    moved = transition_many([Move(actor, order_id, Order.PAID, "payment captured") for order_id in ids])
    return sum(not isinstance(r, AppError) for r in moved)


@dataclass
class CustomsSync:
    documents: int = 0  # orders whose order and payment documents were pushed
    inventories: int = 0  # inventory lists filed
    cleared: int = 0
    refunded: int = 0  # rejected by customs: cancelled or refunded
    failed: list[str] = field(default_factory=list)  # "reference: why", left for the next run


def _each(orders, to: Callable[[Order], str], reason: str, actor: Actor, out: CustomsSync) -> int:
    """Move each order (to its `to(order)` state) in one batch of transitions; a refusal is
    reported and the rest go on."""
    # only what is read here: transition_many reads each order itself (a snapshot is large JSON)
    orders = list(orders.only("pk", "reference", "state"))
    results = transition_many([Move(actor, o.pk, to(o), reason) for o in orders])
    done = 0
    for order, r in zip(orders, results, strict=True):
        if isinstance(r, AppError):
            out.failed.append(f"{order.reference}: {r.message}")
        else:
            done += 1
    return done


def sync_customs(actor: Actor = SYSTEM, limit: int = 10_000) -> CustomsSync:
    out = CustomsSync()
    # every poll starts from the orders in a state (indexed, few) and tests each one's customs
    # records (correlated): its cost follows the orders in flight, not every order ever placed
    in_flight = Order.objects.filter(state__in=IN_FLIGHT).select_related("group").order_by("pk")

    def push() -> tuple[list[Order], dict, int, dict]:
        # the documents go in batches through customs' intake, one savepoint per document
        to_push = list(customs_docs.by_border(in_flight, crossing=True).exclude(
            intake.has_current(TradeDocument.PAYMENT))[:limit])
        failed = customs_docs.push_paid_orders(to_push, actor)
        # shipments created before their order reached customs (of the orders in flight: a waybill
        # is for a parcel still to be cleared)
        waybill.push_pending(actor, limit, order_refs=in_flight.values("reference"))
        # mostly the orders just pushed, which nothing here has changed: not decoded twice
        to_declare = customs_docs.with_loaded(
            in_flight.filter(intake.has_current(TradeDocument.WAYBILL))
            .exclude(intake.has_current(TradeDocument.INVENTORY))[:limit], to_push)
        filed, not_filed = customs_docs.push_inventories(to_declare, actor)
        return to_push, failed, filed, not_filed

    # inside a caller's transaction the batches share what they read of customs (else each reads
    # its own) and write the parcels' rows once (intake.together: if a batch cannot take its fast
    # path, all of them go again, each on its own); the cycle collector waits for the end of the
    # batches (gcpolicy.paused says why)
    with intake.one_book(), gcpolicy.paused():
        joined = False
        try:
            with intake.together() as joined:
                to_push, failed, out.inventories, not_filed = push()
        except intake.AGAIN:
            if not joined:  # nothing was held back: fail as always
                raise
            to_push, failed, out.inventories, not_filed = push()  # rolled back: again, batch by batch
    out.documents = len(to_push) - len(failed)
    out.failed += [f"{ref}: {err.message}" for ref, err in (failed | not_filed).items()]
    released = Order.objects.filter(intake.declared_as(declarations.RELEASED), state=Order.SHIPPED).order_by("pk")[:limit]
    out.cleared = _each(released, lambda o: Order.CLEARED, "released by customs", actor, out)
    # a domestic parcel crosses no border: nothing to declare, so it is cleared once it ships
    domestic = customs_docs.by_border(Order.objects.filter(state=Order.SHIPPED).order_by("pk"), crossing=False)[:limit]
    out.cleared += _each(domestic, lambda o: Order.CLEARED, "domestic: no customs", actor, out)
    rejected = Order.objects.filter(intake.declared_as(declarations.REJECTED), state__in=IN_FLIGHT).order_by("pk")[:limit]
    out.refunded = _each(rejected, lambda o: Order.REFUNDED if o.state == Order.SHIPPED else Order.CANCELLED,
                         "customs rejected the declaration", actor, out)
    return out


@dataclass
class SyncReport:
    paid: int
    customs: CustomsSync
    shipped: int
    delivered: int
    returns: int


def sync_all(actor: Actor = SYSTEM, limit: int = 10_000) -> SyncReport:
    """Every poll of the order's process, in the order a parcel lives them."""
    from ewtp.market.process_returns import sync_returns
    from ewtp.market.process_shipments import sync_shipments

    paid = sync_payments(actor, limit)
    shipped, delivered = sync_shipments(actor, limit)  # picked up -> shipped, before customs clears
    customs = sync_customs(actor, limit)
    _, delivered_after = sync_shipments(actor, limit)  # cleared and delivered -> delivered
    return SyncReport(paid, customs, shipped, delivered + delivered_after, sync_returns(actor, limit))
