"""`ewtp serve`: the WSGI app under Granian, in one worker process or several.

Granian reads, parses and writes HTTP in Rust, outside the interpreter lock; only the call into
the WSGI app holds it. Under waitress (pure Python, until December 2026) reading, parsing and
writing the connections took about as much of the one core a process gets as the hub's own code
did for a small API call (`benchmarks/bench_checkout.py`: 11.7 against 8.1 server CPU ms per
checkout of three calls, 85 against 124 checkouts/s).

One Python process runs one thread at a time (the GIL), so threads alone use one core however
many the machine has. With `--workers N` Granian binds the listening socket once and forks N
workers that serve it; the kernel spreads connections between them. Workers share nothing in
memory: the database is the only shared state (SQLite serialises writers with BEGIN IMMEDIATE and
a busy timeout; PostgreSQL with row locks), and the per-process cache (rate limit counters) is per
worker — point CACHES at a shared cache when the rate limit must hold across workers.

`threads` is the number of threads that run the hub's code at once in a worker (Granian's
blocking threads); connections are read and queued by Granian meanwhile. The default is 1 on
SQLite: its work happens in the process and its writers queue for one lock, so requests side by
side only traded the GIL and the database at every statement (about a third more CPU per
checkout and a lower throughput). A long request holds up the others of its worker: run several
workers. On PostgreSQL a request spends much of its time waiting for the server, so 4 run side by
side (2, 4, 8 and 16 threads gave 58, 61, 53 and 54 checkouts/s with 4 clients: more threads only
traded the GIL more often).

Granian starts every request's WSGI environ from a copy of the process environment (as CGI did):
the hub's secrets (EWTP_SECRET_KEY, a database URL with its password) would reach `request.META`
and anything that prints it. `without_process_environment` takes them out again before the hub
sees the request.

Database connections are kept open across requests (CONN_MAX_AGE, with a health check at the
start of each request): the threads live as long as the worker, and opening and closing a
connection per request cost more than the rest of a small API call (closing a SQLite WAL
connection checkpoints the log; a PostgreSQL connection is a new backend process).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

# seconds a connection is reused before it is replaced; EWTP_DB_CONN_MAX_AGE overrides
CONN_MAX_AGE = 600
POSTGRESQL_THREADS = 4
WORKERS_KILL_TIMEOUT = 15  # seconds a stopping worker may finish its requests before it is killed


def persistent_connections(max_age: int | None = None) -> None:
    """Reuse each thread's database connection across requests, checked before reuse."""
    from django.db import connections

    age = max_age if max_age is not None else int(os.environ.get("EWTP_DB_CONN_MAX_AGE", str(CONN_MAX_AGE)))
    for alias in connections:
        # the wrapper reads its settings dict at connect and at each request's end
        connections[alias].settings_dict.update(CONN_MAX_AGE=age, CONN_HEALTH_CHECKS=age > 0)


def default_threads() -> int:
    """Threads running the hub's code at once per worker: 1 on SQLite, POSTGRESQL_THREADS otherwise."""
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else POSTGRESQL_THREADS


# what a server sets per request (PEP 3333 and CGI); HTTP_* are the request's headers
REQUEST_KEYS = {"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
                "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "GATEWAY_INTERFACE",
                "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "RAW_URI", "REQUEST_URI"}


def without_process_environment(app: Callable, env: Iterable[str]) -> Callable:
    """`app`, called with the process environment's variables `env` taken out of each environ."""
    leaked = tuple(k for k in env if k not in REQUEST_KEYS and not k.startswith(("HTTP_", "wsgi.")))

    def wsgi(environ: dict, start_response: Callable):
        for key in leaked:
            environ.pop(key, None)
        return app(environ, start_response)

    return wsgi


def load_app(_target: str) -> Callable:
    """The WSGI app, as each worker loads it (after the fork): connections kept across requests,
    no process environment in the requests."""
    from ewtp.wsgi import application

    persistent_connections()
    return without_process_environment(application, list(os.environ))


def serve(host: str, port: int, threads: int | None = None, workers: int = 1) -> None:
    """Serve until SIGINT/SIGTERM, then return (workers stopped). Blocks; the calling process
    only supervises its workers. `threads`: None for `default_threads()`."""
    from django.db import connections
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    threads = max(1, threads or default_threads())
    connections.close_all()  # a connection must never be shared across fork
    server = Server("ewtp.wsgi:application", address=host, port=port, interface=Interfaces.WSGI,
                    workers=max(1, workers), blocking_threads=threads, websockets=False,
                    log_level=LogLevels.warning, workers_kill_timeout=WORKERS_KILL_TIMEOUT)
    server.serve(target_loader=load_app)
