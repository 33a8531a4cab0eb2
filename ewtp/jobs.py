"""The hub's scheduled work in one tick, what a real zone runs from cron or beside the web server
(`ewtp jobs --every 10`; `ewtp serve` starts it in its own process):

1. deliver the SANDBOX payment provider's due webhooks (a real provider calls the webhook URL
   itself; the sandbox keeps its queue in the database and is delivered here, signed);
2. capture authorised payments (the money goes into escrow at payment);
3. move orders along with their payments, customs, shipments and returns (`ewtp market sync`);
4. release escrow held past the hub's hold period after delivery (`ewtp payments release-due`).

Every step is idempotent, so two ticks at once or a tick after a crash change nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ewtp.core.actor import SYSTEM


def tick(now: datetime | None = None) -> dict:
    from ewtp.market.process import sync_all
    from ewtp.payments.autocapture import capture_authorised
    from ewtp.payments.escrow import release_due
    from ewtp.payments.webhooks import deliver_sandbox

    webhooks = deliver_sandbox(now)
    captured = capture_authorised(SYSTEM)
    s = sync_all(SYSTEM)
    released = release_due(SYSTEM, now)
    return {"webhooks_delivered": webhooks, "payments_captured": len(captured.captured),
            "capture_failed": captured.failed, "orders_paid": s.paid, "orders_shipped": s.shipped,
            "orders_cleared": s.customs.cleared, "orders_delivered": s.delivered, "moved_by_returns": s.returns,
            "customs_not_yet": s.customs.failed, "escrows_released": len(released)}


def run_forever(every_s: float, report: Callable[[dict], None] = lambda r: None) -> None:
    """A tick every `every_s` seconds until interrupted; a failing tick is reported, not fatal."""
    from django.db import close_old_connections

    while True:
        started = time.monotonic()
        try:
            report(tick())
        except Exception as exc:  # noqa: BLE001 - one bad tick must not stop the hub's schedule
            report({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            close_old_connections()
        time.sleep(max(0.0, every_s - (time.monotonic() - started)))
