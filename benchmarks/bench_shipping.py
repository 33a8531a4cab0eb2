"""Shipping quotes and shipment creation (logistics network, issue 7), in process on a throwaway
SQLite database: quotes per second with the network of the day cached, the cold build of that
network, and shipments created per second (packing, legs, S10 numbers, the waybill pushed to
customs, one transaction each) beside the machine's raw SQLite transaction rate.
Run alone: `python -m benchmarks shipping`."""

from __future__ import annotations

import os
import random
import time
from datetime import date
from decimal import Decimal

from benchmarks.django_env import setup_django

SECONDS = float(os.environ.get("EWTP_BENCH_SECONDS", "3"))
ORIGINS = ["MY", "CN", "ID", "TH", "VN", "KE", "BE", "US", "SG", "JP"]
DESTS = ["AU", "NZ", "GB", "US", "CA", "SG", "MY", "CN", "JP", "NO", "CH", "DE", "FR", "NL", "BE", "IT"]
TO = {"name": "Bench Buyer", "phone": "+61 400 000 000", "line1": "1 George St", "city": "Sydney", "postcode": "2000"}


def _quotes(rng: random.Random) -> dict:
    from django.core.cache import cache

    from ewtp.logistics.quote import quote_shipping
    from ewtp.logistics.rates import ParcelSpec
    from ewtp.logistics.snapshot import forget, network_on

    forget()
    t = time.perf_counter()
    network_on(date.today())
    cold_ms = (time.perf_counter() - t) * 1000
    n, end = 0, time.perf_counter() + SECONDS
    start = time.perf_counter()
    while time.perf_counter() < end:
        parcels = [ParcelSpec(Decimal(rng.randint(1, 300)) / 10, Decimal(30), Decimal(20), Decimal(10))
                   for _ in range(rng.choice([1, 1, 2]))]
        quote_shipping(parcels, rng.choice(ORIGINS), rng.choice(DESTS), prefer=rng.choice(["cheapest", "fastest"]))
        n += 1
    cache.clear()
    return {"quotes_per_s": round(n / (time.perf_counter() - start), 1), "network_cold_build_ms": round(cold_ms, 1)}


def _shipments(rng: random.Random) -> dict:
    from ewtp.accounts.models import Organisation
    from ewtp.accounts.services import actor_for_user, create_user
    from ewtp.core.actor import Role
    from ewtp.logistics.packing import Item
    from ewtp.logistics.shipments import OrderData, create_shipment

    org = Organisation.objects.create(kind="seller", name="Bench seller", country="MY")
    seller = actor_for_user(create_user("bench", username="bench-seller", email="s@example.com",
                                        password="bench-password-123", role=Role.SELLER, organisation=org))
    buyer = create_user("bench", username="bench-buyer", email="b@example.com", password="bench-password-123",
                        role=Role.BUYER)
    n, end = 0, time.perf_counter() + SECONDS
    start = time.perf_counter()
    while time.perf_counter() < end:
        lines = [Item(f"SKU{i}", "cotton tee", rng.randint(1, 4), Decimal("0.35"), Decimal("45.00"), "MYR", "610910",
                      "MY") for i in range(rng.randint(1, 3))]
        create_shipment(seller, OrderData(f"BENCH-{n}", org.pk, buyer.pk, {"country": rng.choice(ORIGINS)},
                                          {**TO, "country": rng.choice(DESTS)}, lines))
        n += 1
    return {"shipments_per_s": round(n / (time.perf_counter() - start), 1), "shipments": n}


def run(limits: dict) -> dict:
    setup_django()
    from ewtp.logistics.network import load_network
    from ewtp.rules.refdata import load_reference_data

    load_reference_data()
    load_network()
    rng = random.Random(7)
    quotes = _quotes(rng)
    ships = _shipments(rng)
    raw = limits.get("sqlite_tx_per_s") or 0
    return {**quotes, **ships, "shipments_vs_raw_sqlite_tx": round(ships["shipments_per_s"] / raw, 4) if raw else None}


if __name__ == "__main__":
    import json

    from benchmarks.limits import all_limits

    print(json.dumps(run(all_limits()), indent=2))
