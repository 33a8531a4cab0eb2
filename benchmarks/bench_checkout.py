"""Checkout throughput: one-line orders from cart to placed order group, through the services
(cart, landed-cost quote, placement with stock reservation and audit), in-process on a
throwaway SQLite database; then through the HTTP API with 4 concurrent clients against a real
server on 127.0.0.1. Peer figure for scale: django-oscar 4.2 placed about 20 one-line orders/s
(61 queries each) on SQLite on this machine (issue 4)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

from benchmarks.django_env import setup_django

N_INPROCESS = 400
N_HTTP = 200
CLIENTS = 4
AU = {"name": "Bench Buyer", "phone": "+61 400 000 000", "line1": "1 George St", "city": "Sydney",
      "postcode": "2000", "country": "AU"}


def _world(n_buyers: int):
    from ewtp.accounts.services import actor_for_user, create_user
    from ewtp.core.actor import Role
    from ewtp.market import catalogue, sellers
    from ewtp.market.catalogue import ProductSpec, VariantSpec
    from ewtp.rules.models import HSCode
    from ewtp.rules.refdata import load_reference_data

    if not HSCode.objects.exists():
        load_reference_data()
    tag = uuid.uuid4().hex[:6]
    op = actor_for_user(create_user("bench", username=f"op{tag}", email="o@example.com",
                                    password="bench-password-123", role=Role.HUB_OPERATOR))
    from ewtp.accounts.models import Organisation

    org = Organisation.objects.create(kind="seller", name=f"Bench {tag}", country="MY")
    seller = actor_for_user(create_user("bench", username=f"s{tag}", email="s@example.com",
                                        password="bench-password-123", role=Role.SELLER, organisation=org))
    sellers.onboard(seller, org.pk, legal_name="Bench Sdn Bhd", country="MY", base_currency="MYR", address="KL")
    sellers.decide_verification(op, org.pk, verified=True)
    w = catalogue.create_warehouse(seller, org.pk, name="main", country="MY")
    p = catalogue.create_product(seller, org.pk, ProductSpec("610910", "MY", {"en": "Bench tee"},
                                                             variants=[VariantSpec(f"B{tag}", "45.00", "0.2")]))
    catalogue.publish(seller, p.pk)
    v = p.variants.get()
    catalogue.set_stock(seller, v.pk, w.pk, 1_000_000)
    buyers = [create_user("bench", username=f"b{tag}{i}", email="b@example.com", password="bench-password-123",
                          role=Role.BUYER, country="AU") for i in range(n_buyers)]
    return v.pk, buyers


def _in_process() -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from ewtp.accounts.services import actor_for_user
    from ewtp.market import cart
    from ewtp.market.checkout import quote_checkout
    from ewtp.market.placement import place_order

    variant, buyers = _world(N_INPROCESS)
    actors = [actor_for_user(b) for b in buyers]
    t_cart = t_quote = t_place = 0.0
    queries = 0
    for i, a in enumerate(actors):
        t0 = time.perf_counter()
        cart.set_quantity(a, variant, 1)
        t1 = time.perf_counter()
        q = quote_checkout(a, AU)
        t2 = time.perf_counter()
        if i == 0:
            with CaptureQueriesContext(connection) as ctx:
                place_order(a, q.pk)
            queries = len(ctx.captured_queries)
            reset_queries()
        else:
            place_order(a, q.pk)
        t3 = time.perf_counter()
        t_cart, t_quote, t_place = t_cart + t1 - t0, t_quote + t2 - t1, t_place + t3 - t2
    total = t_cart + t_quote + t_place
    return {"orders": N_INPROCESS, "checkouts_per_s": round(N_INPROCESS / total, 1),
            "placements_per_s": round(N_INPROCESS / t_place, 1), "queries_per_placement": queries,
            "split_s": {"cart": round(t_cart, 2), "quote": round(t_quote, 2), "place": round(t_place, 2)}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url_db: str) -> dict:
    variant, buyers = _world(N_HTTP)
    port = _free_port()
    env = {**os.environ, "EWTP_DATABASE_URL": url_db, "EWTP_RATE_LIMIT_PER_MINUTE": "0"}
    server = subprocess.Popen([sys.executable, "-m", "ewtp.cli", "serve", "--port", str(port), "--threads", "8"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        from django.contrib.sessions.backends.db import SessionStore

        sessions = []
        for b in buyers:
            s = SessionStore()
            s["_auth_user_id"], s["_auth_user_backend"] = str(b.pk), "django.contrib.auth.backends.ModelBackend"
            s["_auth_user_hash"] = b.get_session_auth_hash()
            s.create()
            sessions.append(s.session_key)
        errors: list[str] = []
        from django.utils.crypto import get_random_string

        csrf = get_random_string(32)

        def call(session: str, method: str, path: str, body: dict) -> dict:
            req = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method=method,
                                         headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex,
                                                  "Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf,
                                                  "Referer": base + "/"})
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - loopback only
                return json.loads(r.read())

        def worker(chunk: list[str]) -> None:
            for s in chunk:
                try:
                    call(s, "PUT", "/market/cart/lines", {"variant_id": variant, "quantity": 1})
                    q = call(s, "POST", "/market/checkout", {"address": AU})
                    call(s, "POST", "/market/orders", {"quote_id": q["id"]})
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors.append(str(exc)[:200])

        chunks = [sessions[i::CLIENTS] for i in range(CLIENTS)]
        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(10)
    done = N_HTTP - len(errors)
    return {"orders": done, "errors": len(errors), "first_error": errors[0] if errors else "",
            "checkouts_per_s": round(done / elapsed, 1), "clients": CLIENTS}


def run(limits: dict) -> dict:
    url = setup_django()
    inproc = _in_process()
    http = _http(url)
    return {"sqlite_in_process": inproc, "sqlite_http_4_clients": http,
            "in_process_vs_raw_sqlite_tx": round(inproc["checkouts_per_s"] / limits["sqlite_tx_per_s"], 4)}
