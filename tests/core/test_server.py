"""`ewtp serve` (Granian): worker processes answer on one socket and stop together, with the
scheduled jobs' process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers need POSIX fork")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    except OSError:
        return False


def _serve(tmp_path, *args: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWTP_")}
    env.update({"EWTP_VAR_DIR": str(tmp_path), "EWTP_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3"})
    return subprocess.Popen([sys.executable, "-m", "ewtp.cli", "serve", "--port", str(port), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), port


def _wait_healthy(server: subprocess.Popen, port: int) -> None:
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(server.stderr.read().decode() if server.poll() is not None else "no answer")


def _is_jobs(pid: int) -> bool:
    return b"jobs" in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_one_worker_server_stops_its_jobs_process_on_sigterm(tmp_path):
    server, port = _serve(tmp_path, "--threads", "2")
    try:
        _wait_healthy(server, port)
        children = _children(server.pid)
        jobs = {pid for pid in children if _is_jobs(pid)}
        assert len(jobs) == 1 and len(children - jobs) == 1  # the jobs, and one worker
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
    assert code == 0
    for _ in range(100):  # the server waits for it, but give the kernel a moment to reap
        if not any(_alive(pid) for pid in children):
            break
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)], "the jobs process or the worker outlived the server"


def test_workers_serve_one_port_and_stop_together(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWTP_")}
    env.update({"EWTP_VAR_DIR": str(tmp_path), "EWTP_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3"})
    server = subprocess.Popen([sys.executable, "-m", "ewtp.cli", "serve", "--port", str(port), "--workers", "2",
                               "--threads", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = None
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, server.stderr.read().decode() if server.poll() is not None else "no answer"
        children = _children(server.pid)
        jobs = {pid for pid in children if _is_jobs(pid)}
        workers = children - jobs
        assert len(workers) == 2 and len(jobs) == 1  # and the scheduled jobs in a process of their own
        for _ in range(10):  # every request is answered, whichever worker takes it
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:  # noqa: S310
                assert r.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
    assert code == 0
    assert not [pid for pid in children if _alive(pid)], "a worker or the jobs process outlived the server"


def test_one_thread_on_sqlite_four_on_postgresql(db):
    from django.db import connection

    from ewtp.core.server import default_threads

    assert default_threads() == (1 if connection.vendor == "sqlite" else 4)


def test_requests_do_not_carry_the_process_environment():
    from ewtp.core.server import without_process_environment

    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return [b"ok"]

    env = {"EWTP_SECRET_KEY": "s3cret", "PATH": "/usr/bin", "QUERY_STRING": "stale"}
    request = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "a=1", "HTTP_HOST": "hub",
               "wsgi.url_scheme": "http"}
    assert without_process_environment(app, env)({**env, **request}, None) == [b"ok"]
    assert seen == request  # the secret and PATH gone; the request's own keys as they came
