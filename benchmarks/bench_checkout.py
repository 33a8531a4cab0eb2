"""Checkout throughput: one-line orders from cart to placed order group, through the services
(cart, landed-cost quote, placement with stock reservation and audit), in-process on a
throwaway SQLite database; then through the HTTP API with 4 concurrent clients against a real
server on 127.0.0.1 (`ewtp serve` under Granian, one worker process and N, each with the server's
default threads for the database: 1 on SQLite, 4 on PostgreSQL). The same again on PostgreSQL
when a server is reachable (a scratch database, created and dropped here). Each database is
measured in a child process configured for it. Peer figure for scale: django-oscar 4.2 placed about 20 one-line orders/s (61 queries each) on
SQLite on this machine (issue 4).

The machine is shared and has 2 cores: wall-clock rates move with other work, so the figures
also give CPU milliseconds per order (in-process; and for HTTP the server's workers and the
clients apart — not the PostgreSQL server's), which move much less."""

from __future__ import annotations

import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from benchmarks.django_env import setup_django
from benchmarks.http_server import running_server
from benchmarks.subrun import PG_BASE, child_figures, pg_admin

PG_DB = os.environ.get("EWTP_BENCH_PG_SCRATCH", "ewtp_bench_checkout")  # a scratch database, dropped after
WORKERS = int(os.environ.get("EWTP_BENCH_WORKERS", str(min(os.cpu_count() or 1, 4))))

N_INPROCESS = 400
N_HTTP = 600  # a few seconds: the first calls of each thread build its compiled queries
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
    from ewtp.logistics.network import load_network

    load_network()  # checkout quotes shipping through the hub network (idempotent)
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
    cpu0 = time.process_time()
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
            "cpu_ms_per_checkout": round(1000 * (time.process_time() - cpu0) / N_INPROCESS, 1),
            "split_s": {"cart": round(t_cart, 2), "quote": round(t_quote, 2), "place": round(t_place, 2)}}


def _children_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants that are alive."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # the server or one of its workers
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _http(url_db: str, workers: int = 1) -> dict:
    variant, buyers = _world(N_HTTP)
    with running_server(url_db, workers=workers) as (base, server_pid):
        from ewtp.accounts.sessions import SessionStore

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
        where = urllib.parse.urlsplit(base)

        def worker(chunk: list[str]) -> None:
            # one keep-alive connection per client, as a real API client keeps (http.client is
            # also far cheaper than urllib on the 2 cores the client shares with the server)
            conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)

            def call(session: str, method: str, path: str, body: dict) -> dict:
                conn.request(method, "/api/v1" + path, body=json.dumps(body).encode(), headers={
                    "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex,
                    "Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf, "Referer": base + "/"})
                r = conn.getresponse()
                data = r.read()
                if r.status >= 300:
                    raise RuntimeError(f"{method} {path}: HTTP {r.status} {data[:150]!r}")
                return json.loads(data)

            for s in chunk:
                try:
                    call(s, "PUT", "/market/cart/lines", {"variant_id": variant, "quantity": 1})
                    q = call(s, "POST", "/market/checkout", {"address": AU})
                    call(s, "POST", "/market/orders", {"quote_id": q["id"]})
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors.append(str(exc)[:200])
                    conn.close()  # reconnects on the next request
            conn.close()

        chunks = [sessions[i::CLIENTS] for i in range(CLIENTS)]
        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        start, cpu0, srv0 = time.perf_counter(), time.process_time(), _children_cpu(server_pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        client_cpu, server_cpu = time.process_time() - cpu0, _children_cpu(server_pid) - srv0
    done = N_HTTP - len(errors)
    from ewtp.market.models import Order

    placed = Order.objects.filter(buyer__in=buyers).count()  # answered 201 is not enough: the orders exist
    if placed != done:
        raise RuntimeError(f"{done} checkouts answered but {placed} orders placed")
    return {"orders": done, "errors": len(errors), "first_error": errors[0] if errors else "",
            "checkouts_per_s": round(done / elapsed, 1), "clients": CLIENTS, "server_workers": workers,
            "server_cpu_ms_per_order": round(1000 * server_cpu / max(done, 1), 1),
            "client_cpu_ms_per_order": round(1000 * client_cpu / max(done, 1), 1)}


def _measure(url: str) -> dict:
    """In the child: in-process, then HTTP with one server worker, then with WORKERS."""
    setup_django()
    inproc = _in_process()
    one = _http(url, 1)
    many = _http(url, WORKERS) if WORKERS > 1 else None
    return {"in_process": inproc, "http_4_clients_1_worker": one, f"http_4_clients_{WORKERS}_workers": many}


def _child(url: str) -> dict:
    return child_figures("benchmarks.bench_checkout", ["child"], {"EWTP_BENCH_DATABASE_URL": url})


def run(limits: dict) -> dict:
    from benchmarks.limits import pg_available

    with tempfile.TemporaryDirectory() as d:
        sqlite = _child(f"sqlite:///{d}/bench.sqlite3")
    figures: dict = {"sqlite": sqlite}
    if limits.get("sqlite_tx_per_s"):
        figures["in_process_vs_raw_sqlite_tx"] = round(sqlite["in_process"]["checkouts_per_s"] / limits["sqlite_tx_per_s"], 4)
    if pg_available():
        base, _, _ = PG_BASE.rpartition("/")
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
        pg_admin(f"CREATE DATABASE {PG_DB}")
        try:
            figures["postgresql"] = _child(f"{base}/{PG_DB}")
        finally:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return figures


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        print(json.dumps(_measure(os.environ["EWTP_BENCH_DATABASE_URL"])))
    else:
        from benchmarks.limits import all_limits

        print(json.dumps(run(all_limits()), indent=2))
