"""Receiving provider webhooks: verify the signature and freshness, handle each event id once.

The event is recorded and handled in one transaction: if handling fails, nothing is kept and
the provider's retry is handled afresh; once handled, the same event id is acknowledged as a
duplicate and changes nothing (a provider may send an event twice, or an attacker replay one
within the timestamp tolerance).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import IntegrityError, transaction

from ewtp.payments.models import WebhookEvent
from ewtp.payments.providers import get_provider
from ewtp.payments.services import handle_event


def receive(provider: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> dict:
    """Returns {"status": "processed"|"duplicate", ...}; raises BadSignature (400) or the
    handler's error (the event is then not recorded, so a retry is handled again)."""
    adapter = get_provider(provider)
    event = adapter.verify_and_parse(headers, body, now)
    if WebhookEvent.objects.filter(provider=provider, event_id=event.id).exists():
        return {"status": "duplicate", "event": event.id}
    try:
        with transaction.atomic():
            rec = WebhookEvent.objects.create(
                provider=provider, event_id=event.id[:80], type=event.type[:40], payload=event.data
            )
            rec.outcome = handle_event(provider, event.type, event.data)[:200]
            rec.save(update_fields=["outcome"])
    except IntegrityError:
        # the same event arrived twice at once: the other delivery recorded it first
        if WebhookEvent.objects.filter(provider=provider, event_id=event.id).exists():
            return {"status": "duplicate", "event": event.id}
        raise
    return {"status": "processed", "event": event.id, "outcome": rec.outcome}


def deliver_sandbox(now: datetime | None = None) -> int:
    """Deliver the SANDBOX provider's due webhooks in-process (the scheduled task and tests)."""
    from ewtp.core.errors import AppError
    from ewtp.payments.providers.sandbox import SandboxProvider

    def send(headers: dict[str, str], body: bytes) -> int:
        try:
            receive(SandboxProvider.name, headers, body, now)
        except AppError as exc:
            return exc.status
        return 200

    return SandboxProvider.from_settings().deliver_due(send, now)
