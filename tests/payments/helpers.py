from __future__ import annotations

import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from ewtp.core.errors import AppError
from ewtp.payments.providers.sandbox import SandboxProvider
from ewtp.payments.webhooks import deliver_sandbox, receive, receive_many


def deliver_signed(bodies: list[bytes], batch: bool, *, bad: int | frozenset[int] | None = None) -> list[int]:
    """Each body signed now (those at `bad` signed over other content) and received: all at once
    (`receive_many`) or one by one (`receive`) -> their HTTP statuses."""
    provider = SandboxProvider.from_settings()
    now = timezone.now()
    bad = frozenset() if bad is None else frozenset({bad}) if isinstance(bad, int) else bad
    deliveries = [(provider.signed_headers(b + (b" " if i in bad else b""), now), b) for i, b in enumerate(bodies)]
    if batch:
        return receive_many("sandbox", deliveries, now, recorded=set())
    out = []
    for headers, body in deliveries:
        try:
            receive("sandbox", headers, body, now)
        except AppError as err:
            out.append(err.status)
        else:
            out.append(200)
    return out


def flush_webhooks() -> int:
    """Deliver every queued sandbox webhook, the late ones and the repeats too."""
    total = 0
    for minutes in (0, 3, 6):
        total += deliver_sandbox(timezone.now() + timedelta(minutes=minutes))
    return total


def in_threads(workers: int, target) -> list[BaseException]:
    """Run target(k) for k in range(workers), each in its own thread with its own connection;
    return what they raised."""
    errors: list[BaseException] = []

    def wrapped(k: int) -> None:
        try:
            target(k)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
