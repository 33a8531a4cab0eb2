"""A trading day: buyers fill multi-seller carts, check out (landed cost per consignment), pay
through the SANDBOX provider (some cards decline), payments are captured and the orders follow;
a few orders are cancelled and refunded. Everything goes through the services."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.core.errors import AppError
from ewtp.demo.world import World
from ewtp.market import cart, orders
from ewtp.market.checkout import quote_checkout
from ewtp.market.identity import check_character
from ewtp.market.models import Order
from ewtp.market.payment_start import start_order_payment
from ewtp.market.placement import place_order
from ewtp.market.process import sync_payments
from ewtp.payments import services as payments
from ewtp.payments.models import Payment
from ewtp.payments.webhooks import deliver_sandbox

GOOD_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"
CITY = {"AU": "Sydney", "NZ": "Auckland", "GB": "London", "US": "Chicago", "CA": "Toronto", "SG": "Singapore",
        "MY": "Kuala Lumpur", "CN": "Hangzhou", "JP": "Osaka", "NO": "Oslo", "CH": "Zurich", "DE": "Berlin",
        "FR": "Lyon", "NL": "Utrecht", "BE": "Liege", "IT": "Milan"}


@dataclass
class DayResult:
    attempted: int = 0
    placed_groups: int = 0
    orders: int = 0
    refused: Counter = field(default_factory=Counter)
    declined: int = 0
    cancelled: int = 0
    group_ids: list[int] = field(default_factory=list)


def _address(country: str, buyer_id: int, rng: random.Random) -> dict:
    addr = {"name": f"Buyer {buyer_id}", "phone": f"+00 {rng.randint(1000000, 9999999)}",
            "line1": f"{rng.randint(1, 200)} Market Street", "city": CITY.get(country, "Capital"),
            "postcode": str(rng.randint(10000, 99999)), "country": country}
    if country == "CN":
        addr.update(id_name="王小明", id_number=_prc_id(rng))
    return addr


def _prc_id(rng: random.Random) -> str:
    body = f"330106{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check_character(body)


def run_day(world: World, n_orders: int, seed: int = 7, progress=lambda n: None) -> DayResult:
    from ewtp.accounts.models import User

    rng = random.Random(seed * 7919)
    country = dict(User.objects.filter(pk__in=[b.user_id for b in world.buyers]).values_list("pk", "country"))
    result = DayResult()
    later = timezone.now() + timedelta(minutes=10)
    for _ in range(n_orders):
        buyer = rng.choice(world.buyers)
        result.attempted += 1
        try:
            for v in rng.sample(world.variants, rng.choice([1, 1, 2, 2, 3])):
                cart.set_quantity(buyer, v, rng.choice([1, 1, 1, 2]))
            q = quote_checkout(buyer, _address(country[buyer.user_id], buyer.user_id, rng))
            group = place_order(buyer, q.pk)
        except AppError as err:
            result.refused[f"{err.code}:{next(iter(err.fields), '-')}"] += 1
            cart.cart_for(buyer).lines.all().delete()
            progress(1)
            continue
        result.placed_groups += 1
        result.group_ids.append(group.pk)
        card = DECLINED_CARD if rng.random() < 0.04 else GOOD_CARD
        for order in group.orders.select_related("group"):
            result.orders += 1
            start_order_payment(buyer, order)
            payments.authorise_payment(buyer, order.reference, card)
        progress(1)
    deliver_sandbox(later)  # the provider's asynchronous answers: authorised / declined
    refs = Order.objects.filter(group_id__in=result.group_ids).values("reference")
    for ref, state in Payment.objects.filter(order_ref__in=refs).order_by("pk").values_list("order_ref", "state"):
        if state == Payment.AUTHORISED:
            payments.capture_payment(SYSTEM, ref)
        elif state == Payment.DECLINED:
            result.declined += 1
    deliver_sandbox(later + timedelta(minutes=10))  # captured -> escrow
    sync_payments()
    paid = list(Order.objects.filter(group_id__in=result.group_ids, state=Order.PAID).values_list("pk", "buyer_id"))
    for order_id, _buyer in rng.sample(paid, max(0, len(paid) * 3 // 100)):
        orders.transition(SYSTEM, order_id, Order.CANCELLED, reason="buyer changed their mind (simulated)")
        result.cancelled += 1
    deliver_sandbox(later + timedelta(minutes=20))  # refunds settle
    return result


def summary(result: DayResult) -> dict:
    """Figures from the database itself, not from the simulation's own counters."""
    from ewtp.core.audit import verify as audit_verify
    from ewtp.payments.verify import verify as ledger_verify

    gmv: dict[str, Decimal] = defaultdict(Decimal)
    corridors: Counter = Counter()
    duty_tax: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"duty": Decimal(0), "tax": Decimal(0)})
    states: Counter = Counter()
    for o in Order.objects.filter(group_id__in=result.group_ids).select_related("group"):
        dest = o.group.destination["country"]
        corridor = f"{o.snapshot['ship_from']}->{dest}"
        corridors[corridor] += 1
        states[o.state] += 1
        if o.state != Order.PLACED:
            gmv[o.currency] += o.total
            duty_tax[dest]["duty"] += o.duty
            duty_tax[dest]["tax"] += o.tax
    ledger = ledger_verify()
    return {
        "checkouts_attempted": result.attempted, "order_groups": result.placed_groups, "orders": result.orders,
        "refused_at_checkout": dict(result.refused), "payments_declined": result.declined,
        "cancelled_and_refunded": result.cancelled, "order_states": dict(states),
        "top_corridors": dict(corridors.most_common(10)),
        "gmv_by_currency": {k: str(v) for k, v in sorted(gmv.items())},
        "duty_and_tax_by_destination": {k: {kk: str(vv) for kk, vv in v.items()} for k, v in sorted(duty_tax.items())},
        "ledger": {"verified": ledger.ok, "transactions": ledger.transactions, "postings": ledger.postings},
        "audit_verified": audit_verify().ok,
    }
