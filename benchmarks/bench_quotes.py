"""Landed-cost quotes: one quote in-process (median, 3-line basket, warm memos; also its CPU time,
the same quote with every memo emptied first, and random 3-line baskets for every destination), POST /api/v1/quotes through
Django's test client and through a real server on 127.0.0.1 (quotes/s), and the vectorised batch (lines/s) on a day's random trade for
every destination. Targets: <= 100 us, >= 300/s, >= 1,000,000 lines/s. Ratios against this
machine's limits measured in the same run (the API rate against bare SQLite transactions, since
every POST also stores its Idempotency-Key)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid

import numpy as np

BASKET = {
    "date": "2026-11-20", "destination": {"country": "AU"}, "ship_from": "US", "mode": "courier", "incoterm": "DDP",
    "currency": "USD", "prices_include_tax": False, "shipping": "18.30", "insurance": "0.00",
    "seller": {"country": "US", "registrations": ["AU-GST"]}, "buyer": {"id": "b-1", "cbec_used_this_year": "0.00"},
    "lines": [{"hs_code": "610910", "description": "cotton T-shirt", "origin": "CN", "quantity": 2, "unit_price": "10.00"},
              {"hs_code": "851713", "description": "phone", "origin": "CN", "quantity": 1, "unit_price": "300.00"},
              {"hs_code": "490199", "description": "book", "origin": "GB", "quantity": 3, "unit_price": "12.50"}],
}
DESTS = ["DE", "FR", "IT", "ES", "NL", "PL", "SE", "GB", "US", "AU", "NZ", "CA", "SG", "MY", "CN", "JP", "NO", "CH"]
HS = ["610910", "847130", "851713", "490199", "950300", "330499", "420221", "090121"]


def _setup() -> None:
    from django.apps import apps

    # The API's per-caller limit (600/min) would stop the measurement: off here and in the served
    # process, which inherits the environment.
    os.environ.setdefault("EWTP_RATE_LIMIT_PER_MINUTE", "0")
    if not apps.ready:
        os.environ.setdefault("EWTP_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
        import django

        django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EWTP_RATE_LIMIT_PER_MINUTE = 0
    call_command("migrate", interactive=False, verbosity=0)


def scalar_median_us(n: int = 3000) -> tuple[float, float]:
    """Median wall time and median CPU time of this thread (less disturbed by the other processes
    of a shared machine, which take the CPU away mid-quote) for BASKET."""
    from ewtp.rules.engine import quote

    quote(BASKET)
    times, cpu = [], []
    for _ in range(n):
        c = time.thread_time_ns()
        t = time.perf_counter()
        quote(BASKET)
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time_ns() - c)
    return statistics.median(times) * 1e6, statistics.median(cpu) / 1e3


def scalar_cold_median_us(n: int = 300) -> float:
    """Median wall time for BASKET with every engine memo emptied before each quote (rules, plan,
    tariff and FX look-ups, cached display strings and columns): the first quote of a destination
    and day. The warm median above is what every later quote of that destination and day costs."""
    from ewtp.rules.engine import quote
    from ewtp.rules.engine.memos import forget

    times = []
    for _ in range(n):
        forget()
        t = time.perf_counter()
        quote(BASKET)
        times.append(time.perf_counter() - t)
    forget()
    return statistics.median(times) * 1e6


def varied_baskets(n: int, seed: int = 3) -> list[dict]:
    """3-line baskets with random prices, quantities, codes, origins and destinations: no two
    alike, so no figure depends on a request being seen before."""
    import random

    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        b = {**BASKET, "destination": {"country": rnd.choice(DESTS)}, "shipping": f"{rnd.randint(0, 4000) / 100:.2f}",
             "incoterm": rnd.choice(["DDP", "DAP"]), "seller": {"registrations": []},
             "lines": [{"hs_code": rnd.choice(HS), "origin": rnd.choice(["CN", "US", "VN"]),
                        "quantity": rnd.randint(1, 5), "unit_price": f"{rnd.randint(100, 40000) / 100:.2f}",
                        "duty_rate": "0.08"} for _ in range(3)]}
        out.append(b)
    return out


def scalar_varied_median_us(n: int = 3000) -> float:
    from ewtp.rules.engine import quote

    baskets = varied_baskets(n)
    for b in baskets[:50]:
        quote(b)
    times = []
    for b in baskets:
        t = time.perf_counter()
        quote(b)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def api_rates(windows: int = 5, seconds: float = 1.0) -> list[float]:
    """Quotes/s in consecutive one-second windows (the machine is shared: report median and best)."""
    from django.test import Client

    c = Client(HTTP_HOST="127.0.0.1")
    import json

    body = json.dumps(BASKET)
    rates = []
    for _ in range(windows):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            r = c.post("/api/v1/quotes", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
            assert r.status_code == 200, r.content
            n += 1
        rates.append(n / (time.perf_counter() - start))
    return rates


def server_rate(seconds: float = 4.0, clients: int = 4) -> float | None:
    """Quotes/s against a real server (`ewtp serve`, Granian, 4 threads) on 127.0.0.1 with `clients`
    keep-alive connections; None if the server does not come up."""
    import http.client
    import json
    import socket
    import subprocess
    import sys
    import threading

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from ewtp.cli import main; main()", "serve", "--port", str(port),
                             "--threads", "4"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            return None
        body = json.dumps(BASKET)
        counts = [0] * clients
        stop = time.perf_counter() + seconds

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while time.perf_counter() < stop:
                conn.request("POST", "/api/v1/quotes", body, {"Content-Type": "application/json",
                                                              "Idempotency-Key": str(uuid.uuid4())})
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    counts[k] += 1
            conn.close()

        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        warm.request("POST", "/api/v1/quotes", body, {"Content-Type": "application/json",
                                                      "Idempotency-Key": str(uuid.uuid4())})
        warm.getresponse().read()
        start = time.perf_counter()
        stop = start + seconds
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(counts) / (time.perf_counter() - start)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def random_day(lines: int, seed: int = 7):
    """A day of trade: ~3 lines per quote, every destination, ECB rates, duty rates given on the
    line where the pack ships none (so no quote is an error)."""
    from datetime import date

    from ewtp.rules.engine.batch import BIT, Baskets
    from ewtp.rules.engine.context import pack_for
    from ewtp.rules.tariffs import lookup

    rng = np.random.default_rng(seed)
    nq = lines // 3
    dest = rng.choice(DESTS, nq)
    ccy_of = {d: pack_for(d, date(2026, 11, 20)).currency or "EUR" for d in DESTS}
    own = np.array([ccy_of[d] for d in DESTS])[np.searchsorted(np.array(DESTS), dest, sorter=np.argsort(DESTS))]
    ccy = np.where(rng.random(nq) < 0.5, "USD", own)
    nl = rng.integers(1, 6, nq)
    nl = np.maximum(1, np.round(nl * (lines / nl.sum()))).astype(np.int64)
    lq = np.repeat(np.arange(nq), nl)
    n = len(lq)
    hs = rng.choice(HS, n)
    known = {(d, h): lookup(pack_for(d, date(2026, 11, 20)).code, h, date(2026, 11, 20)) is not None
             for d in DESTS for h in HS}
    need = np.array([not known[(d, h)] for d, h in zip(dest[lq].tolist(), hs.tolist(), strict=True)])
    regs = rng.integers(0, 1 << len(BIT), nq)
    b = Baskets(
        np.full(nq, np.datetime64("2026-11-20")), dest.astype("U2"), np.full(nq, "", dtype="U6"),
        rng.choice(["CN", "US", "MY"], nq).astype("U2"), rng.choice(["post", "courier", "air", "sea"], nq).astype("U8"),
        rng.choice(["DDP", "DAP"], nq).astype("U3"), ccy.astype("U3"), np.zeros(nq, dtype=bool),
        np.round(rng.uniform(0, 40, nq), 2), np.zeros(nq), regs.astype(np.int64), np.zeros(nq),
        lq, hs.astype("U6"), rng.choice(["CN", "VN", "US"], n).astype("U2"), rng.integers(1, 5, n),
        np.round(rng.uniform(1, 400, n), 2), np.where(need, 0.08, np.nan), np.full(n, np.nan), np.full(n, np.nan))
    return b


def batch_rate(lines: int = 1_000_000) -> dict:
    from ewtp.rules.engine.batch import quote_batch

    b = random_day(lines)
    quote_batch(random_day(30_000, seed=1))  # warm caches
    times = []
    for _ in range(3):
        t = time.perf_counter()
        res = quote_batch(b)
        times.append(time.perf_counter() - t)
    n = len(b.line_quote)
    return {"lines": n, "quotes": b.nq, "seconds_median": round(statistics.median(times), 3),
            "lines_per_s_median": round(n / statistics.median(times)), "lines_per_s_best": round(n / min(times)),
            "exact_fallbacks": int(res.exact.sum()), "errors": int(sum(e is not None for e in res.error))}


def run(limits: dict) -> dict:
    _setup()
    med, cpu = scalar_median_us()
    cold = scalar_cold_median_us()
    varied = scalar_varied_median_us()
    rates = api_rates()
    rate = statistics.median(rates)
    served = server_rate()
    batch = batch_rate()
    sqlite_tx = limits.get("sqlite_tx_per_s") or None
    return {
        "scalar_quote_median_us": round(med, 1),
        "scalar_quote_caches": "warm: rule, plan, tariff and FX memos filled by an earlier quote of the same "
                               "destination and day (nothing is keyed by prices or quantities)",
        "scalar_quote_cpu_median_us": round(cpu, 1),
        "scalar_quote_cold_median_us": round(cold, 1),
        "scalar_quote_varied_median_us": round(varied, 1),
        "scalar_quote_target_us": 100,
        "scalar_vs_target": round(med / 100, 2),
        "api_quotes_per_s_median": round(rate, 1),
        "api_quotes_per_s_best": round(max(rates), 1),
        "api_quotes_target_per_s": 300,
        "api_vs_target": round(rate / 300, 2),
        "api_vs_sqlite_tx": round(rate / sqlite_tx, 3) if sqlite_tx else None,
        "api_real_server_quotes_per_s": round(served, 1) if served else None,
        "batch": batch,
        "batch_target_lines_per_s": 1_000_000,
        "batch_vs_target": round(batch["lines_per_s_median"] / 1_000_000, 2),
        "batch_vs_scalar_lines_speedup": round(batch["lines_per_s_median"] / (3 / (med / 1e6)), 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
    print(json.dumps(run({}), indent=2))
