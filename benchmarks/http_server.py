"""A real hub server for HTTP benchmarks: `ewtp serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(url_db: str, threads: int = 0, workers: int = 1) -> Iterator[tuple[str, int]]:
    """Yield (base URL, server pid) of a server on `url_db` (rate limit off; threads 0: the server's
    default for the database), stopped afterwards. The scheduled jobs' process is not started: it
    has nothing to do for these calls, and its start-up (a second Django, about a second of CPU)
    fell inside the measured window and counted as the server's."""
    port = free_port()
    env = {**os.environ, "EWTP_DATABASE_URL": url_db, "EWTP_RATE_LIMIT_PER_MINUTE": "0"}
    args = ["--port", str(port), "--threads", str(threads), "--jobs-every", "0", "--workers", str(workers)]
    server = subprocess.Popen([sys.executable, "-m", "ewtp.cli", "serve", *args], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(10)
