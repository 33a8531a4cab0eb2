"""`ewtp serve`: the WSGI app under waitress, in one process or several pre-forked workers.

One Python process runs one thread at a time (the GIL), so threads alone use one core however
many the machine has. With `--workers N` the parent binds the listening socket once and forks
N children that each serve it with their own waitress threads; the kernel spreads connections
between them. Workers share nothing in memory: the database is the only shared state (SQLite
serialises writers with BEGIN IMMEDIATE and a busy timeout; PostgreSQL with row locks), and the
per-process cache (rate limit counters) is per worker — point CACHES at a shared cache when the
rate limit must hold across workers. Fork needs a POSIX system; elsewhere one worker runs.

Database connections are kept open across requests here (CONN_MAX_AGE, with a health check at
the start of each request): waitress threads live as long as the process, and opening and
closing a connection per request cost more than the rest of a small API call (closing a SQLite
WAL connection checkpoints the log; a PostgreSQL connection is a new backend process).

On SQLite, one request at a time runs the hub's code in a process (`app_slots`; waitress's
threads still read, queue and write the connections). The database work of a request happens in
the process itself and its writers queue for one lock anyway, so several requests in flight in one
process gained nothing but handing the GIL and the database back and forth at every statement:
with 8 threads and 4 clients that cost about a third more CPU per checkout and lowered throughput
(`benchmarks/bench_checkout.py`). A long request holds up the others of its process: run several
workers. On PostgreSQL a request spends much of its time waiting for the server, so requests run
side by side (as many as threads).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


# seconds a connection is reused before it is replaced; EWTP_DB_CONN_MAX_AGE overrides
CONN_MAX_AGE = 600


def persistent_connections(max_age: int | None = None) -> None:
    """Reuse each thread's database connection across requests, checked before reuse."""
    from django.db import connections

    age = max_age if max_age is not None else int(os.environ.get("EWTP_DB_CONN_MAX_AGE", str(CONN_MAX_AGE)))
    for alias in connections:
        # the wrapper reads its settings dict at connect and at each request's end
        connections[alias].settings_dict.update(CONN_MAX_AGE=age, CONN_HEALTH_CHECKS=age > 0)


def default_app_slots(threads: int) -> int:
    """Requests that run the hub's code at once in one process: 1 on SQLite, else every thread."""
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else threads


def limit_concurrency(app, slots: int):
    """The WSGI app, run by at most `slots` threads at a time (the others wait their turn)."""
    gate = threading.BoundedSemaphore(slots)

    def limited(environ, start_response):
        with gate:
            return app(environ, start_response)

    return limited


def _serve_one(sock: socket.socket, threads: int, app_slots: int) -> None:
    from waitress import serve as waitress_serve

    from ewtp.wsgi import application

    app = limit_concurrency(application, app_slots) if app_slots < threads else application
    waitress_serve(app, sockets=[sock], threads=threads, ident="ewtp")


def serve(host: str, port: int, threads: int, workers: int = 1, app_slots: int | None = None) -> None:
    """Serve until SIGINT/SIGTERM. Blocks; with workers > 1 the parent only supervises.
    `app_slots`: requests running the hub's code at once per process (None: `default_app_slots`)."""
    sock = _bind(host, port)
    persistent_connections()
    app_slots = max(1, min(threads, app_slots or default_app_slots(threads)))
    if workers <= 1 or not hasattr(os, "fork"):
        # SIGTERM as an orderly exit, so the caller's clean-up runs (`ewtp serve` stops its jobs
        # process; killed outright, the server left that process running on its own)
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        _serve_one(sock, threads, app_slots)
        return
    from django.db import connections

    connections.close_all()  # a connection must never be shared across fork
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # child: default signal handling, serve until terminated
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _serve_one(sock, threads, app_slots)
            finally:
                os._exit(0)
        children.append(pid)
    sock.close()

    def stop(signum, _frame) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = False
    for pid in children:
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        failed |= os.waitstatus_to_exitcode(status) not in (0, -signal.SIGTERM, -signal.SIGINT)
        stop(signal.SIGTERM, None)  # one worker gone: stop the others rather than serve half
    if failed:
        sys.exit(1)
