"""The hub operator's dashboard over 100,000 orders: the figures (every chart's GROUP BY) and the
whole page as an operator's browser gets it, on a throwaway SQLite database.

The orders are a read load, not a trading day: a few real lifecycles run through the services,
then their rows are copied in bulk to 100,000 orders (with lines, escrows, shipments from three
hubs and customs declarations), and the ledger gets one duty-and-tax transaction per order
through `ledger.post_batch`. What is measured is reading them."""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from benchmarks.django_env import setup_django

N_ORDERS = 100_000
BATCH = 5_000
RUNS = 5


def _load(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from ewtp.accounts.models import User
    from ewtp.accounts.services import actor_for_user
    from ewtp.customs.models import Declaration, Parcel
    from ewtp.demo import lifecycle, world
    from ewtp.demo.setup import prepare_demo
    from ewtp.logistics.models import Hub, Shipment
    from ewtp.market.models import CheckoutQuote, Order, OrderGroup, OrderLine
    from ewtp.payments import accounts, ledger
    from ewtp.payments.ledger import Entry
    from ewtp.payments.models import Escrow

    prepare_demo(progress=lambda m: None)
    op = actor_for_user(User.objects.get(username="operator"))
    w = world.build(op, 11, buyers=200, products_per_seller=2)
    lifecycle.simulate(w, 40, seed=11)
    hubs = list(Hub.objects.filter(code__in=("HGH", "KUL", "LGG")).order_by("code"))  # the demo network
    templates = list(Order.objects.select_related("group", "group__quote", "seller").prefetch_related("lines"))
    rng = random.Random(11)
    now = timezone.now()
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        picks = [rng.choice(templates) for _ in range(size)]
        with transaction.atomic():
            quotes = CheckoutQuote.objects.bulk_create([CheckoutQuote(
                buyer_id=t.buyer_id, cart_fingerprint="bench", currency=t.currency, destination=t.group.destination,
                payload={}, total=t.total, expires_at=now) for t in picks])
            groups = OrderGroup.objects.bulk_create([OrderGroup(buyer_id=t.buyer_id, quote=q, currency=t.currency,
                                                                total=t.total, destination=t.group.destination)
                                                     for t, q in zip(picks, quotes, strict=True)])
            orders = Order.objects.bulk_create([Order(
                group=g, seller_id=t.seller_id, buyer_id=t.buyer_id, reference=f"B{made + i}", state=t.state,
                currency=t.currency, goods=t.goods, shipping=t.shipping, duty=t.duty, tax=t.tax, fees=t.fees,
                total=t.total, hub_fee=t.hub_fee, snapshot={"ship_from": t.seller.country})
                for i, (t, g) in enumerate(zip(picks, groups, strict=True))])
            OrderLine.objects.bulk_create([OrderLine(
                order=o, variant_id=ln.variant_id, quantity=ln.quantity, unit_price=ln.unit_price,
                seller_currency=ln.seller_currency, hs_code=ln.hs_code, origin=ln.origin, title=ln.title)
                for o, t in zip(orders, picks, strict=True) for ln in t.lines.all()])
            Escrow.objects.bulk_create([Escrow(
                order_ref=o.reference, seller_org_id=o.seller_id, buyer_user_id=o.buyer_id, currency=o.currency,
                seller_currency=o.currency, jurisdiction=t.group.destination["country"], provider="sandbox",
                held_minor=int(o.total * 100), released_minor=int(o.total * 100), state="posted")
                for o, t in zip(orders, picks, strict=True)])
            shipped = [o for o in orders if rng.random() < 0.8]
            Shipment.objects.bulk_create([Shipment(
                tracking_no=f"BT{o.pk}", order_ref=o.reference, seller_id=o.seller_id, buyer_id=o.buyer_id,
                origin_country="MY", destination_country="AU", origin_hub=rng.choice(hubs), ship_from={}, ship_to={},
                status="delivered", delivered_at=now + timedelta(days=rng.uniform(2, 14))) for o in shipped])
            parcels = Parcel.objects.bulk_create([Parcel(order_no=o.reference, status="matched") for o in shipped])
            Declaration.objects.bulk_create([Declaration(
                parcel=p, number=f"BD{p.pk}", lane=rng.choice(["green"] * 8 + ["yellow", "red"]), declarant="hub",
                withholding_agent="hub", buyer_id_number="x", goods_value=1, freight=1, customs_value=2)
                for p in parcels])
            with accounts.memoised():
                entries = [Entry("bench_duty_tax", o.reference)
                           .add(accounts.clearing("sandbox", o.currency), -200)
                           .add(accounts.duty_payable(t.group.destination["country"], o.currency), 120)
                           .add(accounts.tax_payable(t.group.destination["country"], o.currency), 80)
                           for o, t in zip(orders, picks, strict=True)]
            ledger.post_batch(entries)
        made += size


def run(limits: dict) -> dict:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ewtp.accounts.models import User
    from ewtp.dashboard import figures as figs
    from ewtp.market.models import Order

    t0 = time.perf_counter()
    _load(N_ORDERS)
    load_s = time.perf_counter() - t0
    f = figs.default_filters()
    figure_times, page_times, hub_times = [], [], []
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="operator"))
    for _ in range(RUNS):
        t = time.perf_counter()
        figs.figures(f)
        figure_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = client.get("/dashboard/")
        page_times.append(time.perf_counter() - t)
        assert r.status_code == 200
        t = time.perf_counter()
        figs.figures(figs.Filters(f.start, f.end, "KUL"))
        hub_times.append(time.perf_counter() - t)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/dashboard/")
    return {"orders": Order.objects.count(), "load_s": round(load_s, 1),
            "figures_median_s": round(statistics.median(figure_times), 3),
            "page_median_s": round(statistics.median(page_times), 3),
            "page_max_s": round(max(page_times), 3),
            "figures_one_hub_median_s": round(statistics.median(hub_times), 3),
            "queries_per_page": len(ctx.captured_queries),
            "page_vs_raw_sqlite_tx": round(statistics.median(page_times) * limits["sqlite_tx_per_s"], 1)}
