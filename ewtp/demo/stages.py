"""The stages of an order's life in the simulator and the demo day: each takes every order of a
chunk through one step, through the same services the API and pages use (rules, ledger, customs,
logistics); the carriers, the payment provider and the officers are simulated (SANDBOX)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import AppError
from ewtp.customs import declarations
from ewtp.customs.models import Declaration
from ewtp.customs.officer_batch import Action, officer_actions
from ewtp.demo.buyers import DECLINED_CARD, GOOD_CARD, _address
from ewtp.demo.world import World
from ewtp.logistics import claims
from ewtp.logistics import returns as returns_service
from ewtp.logistics.models import Claim, ParcelItem, Shipment
from ewtp.logistics.shipments import network_memo
from ewtp.logistics.simulator import legs_of, post, simulate_events
from ewtp.market import cart, checkout_memo, orders
from ewtp.market.fulfilment import accept_orders
from ewtp.market.models import Order
from ewtp.market.payment_start import pay_orders, placed_for_payment
from ewtp.market.placement import buy
from ewtp.market.process import sync_customs, sync_payments
from ewtp.market.process_returns import sync_returns
from ewtp.market.process_shipments import sync_shipments
from ewtp.payments import escrow
from ewtp.payments import services as payments
from ewtp.payments.autocapture import capture_authorised
from ewtp.payments.models import Escrow, Payment
from ewtp.payments.webhooks import deliver_sandbox

DECLINE_RATE = 0.02
CANCEL_RATE = 0.02
LOST_RATE = 0.01
REJECT_RATE = 0.1  # of the declarations an officer looks at (a few percent of all)
HOLD_RATE = 0.05  # held for the officer on duty (a person signing in after the demo finds them queued)
RETURN_RATE = 0.03
JOURNEY_DAYS = 45  # every simulated journey ends well within this


@dataclass
class Chunk:
    """The orders of one chunk as they move; ids only, so memory stays bounded."""

    size: int
    clock: datetime
    group_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)


def _later(chunk: Chunk, **delta: float) -> datetime:
    """A simulated moment `delta` after the chunk's clock, never behind the real clock (the
    services stamp their rows on the real one; the sandbox provider schedules its webhooks from
    the chunk's clock, `sandbox.simulated_clock`)."""
    return max(chunk.clock, timezone.now()) + timedelta(**delta)


@dataclass
class Run:
    world: World
    rng: random.Random
    countries: dict[int, str]
    seller_actor: dict[int, Actor]
    officers: dict[str, Actor] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # tracking numbers of parcels lost in this chunk
    stage_seconds: Counter = field(default_factory=Counter)
    stage_cpu_seconds: Counter = field(default_factory=Counter)
    cpu_seconds: float = 0.0
    counts: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)

    @cached_property
    def buyer_actor(self) -> dict[int, Actor]:
        """The world's buyers by user id (the stages act as the order's buyer)."""
        return {b.user_id: b for b in self.world.buyers}


def checkout(run: Run, chunk: Chunk) -> None:
    """Buyers fill carts (one to three sellers' items), get a landed-cost quote and place it."""
    rng = run.rng
    # the stage's transaction: nothing but these checkouts changes the catalogue, sellers or stock
    with checkout_memo.remembered():
        for _ in range(chunk.size):
            buyer = rng.choice(run.world.buyers)
            try:
                # set the lines (in one call: the draws as when each line was set on its own, no line
                # is refused), quote and place: `buy` is the three services in turn, without reading
                # back what they have just written
                quantities = [(v, rng.choice([1, 1, 1, 2]))
                              for v in rng.sample(run.world.variants, rng.choice([1, 1, 2, 2, 3]))]
                group = buy(buyer, quantities, _address(run.countries[buyer.user_id], buyer.user_id, rng)).group
            except AppError as err:
                run.refused[f"{err.code}:{next(iter(err.fields), '-')}"] += 1
                cart.cart_for(buyer).lines.all().delete()
                continue
            chunk.group_ids.append(group.pk)
    chunk.order_ids = list(Order.objects.filter(group_id__in=chunk.group_ids).order_by("pk").values_list("pk", flat=True))
    run.counts["orders"] += len(chunk.order_ids)


def payment(run: Run, chunk: Chunk) -> None:
    """Start, authorise (a few cards decline), capture; the sandbox's webhooks answer each step."""
    by_buyer = run.buyer_actor
    placed = placed_for_payment(chunk.order_ids).order_by("pk")
    opened = pay_orders([(by_buyer[o.buyer_id], o, DECLINED_CARD if run.rng.random() < DECLINE_RATE else GOOD_CARD)
                         for o in placed])
    refused = next((r for r in opened if isinstance(r, AppError)), None)
    if refused is not None:  # as the one-by-one calls raised
        raise refused
    deliver_sandbox(_later(chunk, minutes=5))
    refs = list(_refs(chunk).values_list("reference", flat=True))
    started = Payment.objects.filter(order_ref__in=refs).count()
    # the hub captures what the provider authorised (the scheduled job's own step)
    run.counts["declined"] += started - len(capture_authorised(SYSTEM, refs=refs).captured)
    deliver_sandbox(_later(chunk, minutes=10))


def order_sync(run: Run, chunk: Chunk) -> None:
    """The order's process reads captured payments: placed -> paid; a few buyers then change their
    mind before the seller ships (cancelled: stock back, escrow refunded through the provider)."""
    sync_payments(SYSTEM, limit=len(chunk.order_ids) + 1)
    by_buyer = run.buyer_actor
    cancels = [orders.Move(by_buyer[buyer], pk, Order.CANCELLED, "buyer changed their mind (simulated)")
               for pk, buyer in Order.objects.filter(pk__in=chunk.order_ids, state=Order.PAID)
               .values_list("pk", "buyer_id") if run.rng.random() < CANCEL_RATE]
    refused = next((r for r in orders.transition_many(cancels) if isinstance(r, AppError)), None)
    if refused is not None:  # as the one-by-one calls raised
        raise refused
    run.counts["cancelled"] += len(cancels)
    deliver_sandbox(_later(chunk, minutes=15))


def acceptance(run: Run, chunk: Chunk) -> None:
    """Each seller accepts its paid orders: the shipment is created (route, parcels, legs, tracking
    numbers) and the logistics partner's waybill goes to customs, in one transaction."""
    paid = Order.objects.filter(pk__in=chunk.order_ids, state=Order.PAID).values_list("pk", "seller_id")
    accepted = accept_orders([(run.seller_actor[seller], pk) for pk, seller in paid])
    # e.g. no route: the order stays paid, as in the console
    run.counts["refused_accept"] += sum(isinstance(r, AppError) for r in accepted)


def customs_documents(run: Run, chunk: Chunk) -> None:
    """The order's process pushes the hub's order document and the payment partner's payment
    document, then files the inventory list: customs reconciles the three documents, declares the
    parcel and routes it to a risk lane (green is released at once)."""
    report = sync_customs(SYSTEM, limit=len(chunk.order_ids) + 1)
    run.counts["customs_not_yet"] += len(report.failed)


def carriers(run: Run, chunk: Chunk) -> None:
    """The carriers' SANDBOX event streams, posted in batches like the real ones: pickup to delivery
    (failed attempts and delays included); a few parcels go missing in transit."""
    events = []
    # the hubs with the shipment: the simulated carrier stamps every hub scan with the hub's place
    # the JSON documents a journey does not read (the route's quote, above all) are left unread
    shipments = list(Shipment.objects.filter(order_ref__in=_refs(chunk), direction=Shipment.FORWARD)
                     .select_related("origin_hub", "destination_hub").defer("quote", "ship_from", "delivery_proof")
                     .order_by("pk"))
    legs = legs_of([s.pk for s in shipments])
    for s in shipments:
        start = _later(chunk, hours=run.rng.uniform(2, 20))
        lost = run.rng.random() < LOST_RATE
        journey = simulate_events(s, start, run.rng, until=start + timedelta(hours=12) if lost else None,
                                  legs=legs[s.pk])
        if lost:
            run.lost.append(s.tracking_no)
        events += journey
    post(events)
    # a short domestic journey may have ended within the two days: that parcel was not lost
    run.lost = list(Shipment.objects.filter(tracking_no__in=run.lost, delivered_at__isnull=True)
                    .values_list("tracking_no", flat=True))
    run.counts["tracking_events"] += len(events)
    sync_shipments(SYSTEM, limit=len(chunk.order_ids) + 1)  # picked up -> shipped


def _officer(run: Run, jurisdiction: str) -> Actor:
    if jurisdiction not in run.officers:
        run.officers[jurisdiction] = Actor(role=Role.CUSTOMS_OFFICER, jurisdiction=jurisdiction,
                                           label=f"demo officer {jurisdiction}")
    return run.officers[jurisdiction]


def _review_hours(decl_pk: int, inspected: bool) -> float:
    """How long a simulated officer took: a document check 1-8 hours, an inspection 12-36 hours.
    Drawn from the declaration's own id, so the run's random sequence (and its figures) do not move."""
    draw = random.Random(decl_pk).random()  # noqa: S311 - a simulation, nothing secret
    return 12 + 24 * draw if inspected else 1 + 7 * draw


def customs_officers(run: Run, chunk: Chunk) -> None:
    """Officers work the yellow (document check) and red (inspection) lanes: most parcels are
    released, a few rejected (the buyer is refunded), a few held and left in the queue for the
    officer on duty; then released orders are `cleared`."""
    waiting = (Declaration.objects.filter(parcel__order_no__in=_refs(chunk))
               .exclude(status__in=[declarations.RELEASED, declarations.REJECTED]).order_by("pk"))
    actions = []  # the officers' decisions, made in turn, then acted on together (as one by one)
    for d in waiting.values("pk", "jurisdiction", "status"):
        officer = _officer(run, d["jurisdiction"])
        draw = run.rng.random()
        if draw < REJECT_RATE:
            actions.append(Action(officer, d["pk"], "reject", "goods do not match the declared description"))
            run.counts["customs_rejected"] += 1
            continue
        if draw < REJECT_RATE + HOLD_RATE:
            actions.append(Action(officer, d["pk"], "hold", "held: invoice to be checked by the officer on duty"))
            run.counts["customs_held"] += 1
            continue
        inspected = d["status"] == declarations.INSPECTION
        if inspected:
            actions.append(Action(officer, d["pk"], "conclude", "inspected: as declared"))
        actions.append(Action(officer, d["pk"], "release", now=_later(chunk, hours=_review_hours(d["pk"], inspected))))
    refused = [r for r in officer_actions(actions) if isinstance(r, AppError)]
    if refused:  # one by one, the first refusal ended the stage
        raise refused[0]
    sync_customs(SYSTEM, limit=len(chunk.order_ids) + 1)  # released -> cleared, rejected -> refund
    deliver_sandbox(_later(chunk, hours=1))


def delivery(run: Run, chunk: Chunk) -> None:
    """Delivered parcels (after customs release) move their order to `delivered` and start the
    escrow's countdown at the delivery time; a lost parcel's escrow is held and its seller claims."""
    sync_shipments(SYSTEM, limit=len(chunk.order_ids) + 1)
    for tracking_no in run.lost:
        s = Shipment.objects.get(tracking_no=tracking_no)
        escrow.set_hold(SYSTEM, s.order_ref, "parcel lost in transit: carrier claim")
        declared = ParcelItem.objects.filter(parcel__shipment=s).aggregate(v=Sum("value"))["v"]
        claim = claims.file_claim(run.seller_actor[s.seller_id], tracking_no, Claim.LOST, declared,
                                  ["no scan for 30 days after departure (simulated)"])
        # liable: the route's carrier that scanned the parcel last
        route = list(s.legs.order_by("seq").values_list("carrier__code", flat=True))
        last = [c for c in s.events.order_by("occurred_at").values_list("carrier__code", flat=True) if c in route]
        claims.decide(SYSTEM, claim.pk, approve=True, liable=Claim.CARRIER, carrier_code=(last or route)[-1],
                      note="carrier lost the parcel in transit")
        run.counts["lost_and_claimed"] += 1
    run.lost.clear()


def returns(run: Run, chunk: Chunk) -> None:
    """A few buyers send their goods back: asked, approved by the seller, the reverse parcel
    travels, the seller confirms the condition, the refund leaves escrow."""
    by_buyer = run.buyer_actor
    delivered_orders = Order.objects.filter(pk__in=chunk.order_ids, state=Order.DELIVERED).values("reference")
    delivered = (Shipment.objects.filter(order_ref__in=delivered_orders, direction=Shipment.FORWARD, status="delivered")
                 .only("delivered_at", "buyer_id", "seller_id", "tracking_no"))  # what a return reads of it
    approved = []
    with network_memo():  # the reverse lanes looked up once per lane (the network does not change)
        for s in delivered.order_by("pk"):
            if run.rng.random() >= RETURN_RATE:
                continue
            asked = s.delivered_at + timedelta(days=2)
            r = returns_service.request_return(by_buyer[s.buyer_id], s.tracking_no, "wrong size (simulated)", now=asked)
            approved.append((s, returns_service.decide(run.seller_actor[s.seller_id], r.pk, True,
                                                       now=asked + timedelta(hours=20)), asked))
    # the reverse parcels travel (their carriers post in batches, as for the forward ones)
    legs = legs_of([r.return_shipment_id for _, r, _ in approved])
    post([e for _, r, asked in approved for e in simulate_events(
        r.return_shipment, asked + timedelta(days=1), run.rng, failure_rate=0, legs=legs[r.return_shipment_id])])
    returns_service.follow_return_shipments(SYSTEM)
    for s, r, _ in approved:
        returns_service.confirm_receipt(run.seller_actor[s.seller_id], r.pk, "as new")
        run.counts["returned"] += 1
    sync_returns(SYSTEM, limit=len(chunk.order_ids) + 1)
    deliver_sandbox(_later(chunk, days=30))


def escrow_release(run: Run, chunk: Chunk) -> None:
    """The scheduled auto-release after the hold period, on the simulated clock; then the order
    process completes the delivered orders whose escrow was released."""
    later = _later(chunk, days=JOURNEY_DAYS + settings.EWTP_PAYMENTS_ESCROW_HOLD_DAYS + 1)
    escrow.release_due(SYSTEM, later, limit=len(chunk.order_ids) + 1)
    delivered = dict(Order.objects.filter(pk__in=chunk.order_ids, state=Order.DELIVERED).values_list("reference", "pk"))
    released = Escrow.objects.filter(order_ref__in=list(delivered), state=Escrow.POSTED).values_list("order_ref", flat=True)
    done = orders.transition_many([orders.Move(SYSTEM, pk, Order.COMPLETED, "escrow released")
                                   for pk in sorted(delivered[ref] for ref in released)])
    run.counts["completed"] += sum(not isinstance(r, AppError) for r in done)


def payout(run: Run, chunk: Chunk) -> None:
    """One payout per seller and currency, and the provider's confirmations."""
    batch = payments.run_payouts(SYSTEM)
    deliver_sandbox(_later(chunk, days=JOURNEY_DAYS + 30))
    run.counts["payouts"] += len(batch)


def _refs(chunk: Chunk):
    return Order.objects.filter(pk__in=chunk.order_ids).values("reference")


STAGES: list[tuple[str, Callable[[Run, Chunk], None]]] = [
    ("checkout", checkout),
    ("payment", payment),
    ("order_sync", order_sync),
    ("acceptance", acceptance),
    ("customs_documents", customs_documents),
    ("carriers", carriers),
    ("customs_officers", customs_officers),
    ("delivery", delivery),
    ("returns", returns),
    ("escrow_release", escrow_release),
    ("payout", payout),
]
