from __future__ import annotations

import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from ewtp.payments.webhooks import deliver_sandbox


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
