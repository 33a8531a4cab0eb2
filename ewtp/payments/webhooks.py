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

from ewtp.core.compiled import create
from ewtp.core.errors import ValidationFailed
from ewtp.payments.events import handle_event
from ewtp.payments.models import WebhookEvent
from ewtp.payments.providers import get_provider

EVENT_ID_MAX = WebhookEvent._meta.get_field("event_id").max_length


def receive(provider: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None, *,
            recorded: set[str] | None = None) -> dict:
    """Returns {"status": "processed"|"duplicate", ...}; raises BadSignature (400) or the
    handler's error (the event is then not recorded, so a retry is handled again).
    `recorded`: a batch's view of the event ids already recorded (read once by the caller for
    the events it is about to deliver, and kept up to date here) instead of a query per event;
    a racing delivery is still caught by the unique constraint."""
    adapter = get_provider(provider)
    event = adapter.verify_and_parse(headers, body, now)
    if not 0 < len(event.id) <= EVENT_ID_MAX:  # stored and looked up whole: a longer id would not dedupe
        raise ValidationFailed.field("id", f"an event id of 1 to {EVENT_ID_MAX} characters")
    seen = (event.id in recorded if recorded is not None
            else WebhookEvent.objects.filter(provider=provider, event_id=event.id).exists())
    if seen:
        return {"status": "duplicate", "event": event.id}
    try:
        with transaction.atomic():
            # handled, then recorded with its outcome in one insert: both commit or neither does
            outcome = handle_event(provider, event.type, event.data)[:200]
            rec = create(WebhookEvent, provider=provider, event_id=event.id, type=event.type[:40],
                         payload=event.data, outcome=outcome)
    except IntegrityError:
        # the same event arrived twice at once: the other delivery recorded it first
        if WebhookEvent.objects.filter(provider=provider, event_id=event.id).exists():
            return {"status": "duplicate", "event": event.id}
        raise
    if recorded is not None:
        recorded.add(event.id)
    return {"status": "processed", "event": event.id, "outcome": rec.outcome}


def deliver_sandbox(now: datetime | None = None) -> int:
    """Deliver the SANDBOX provider's due webhooks in-process (the scheduled task and tests)."""
    from ewtp.core.errors import AppError
    from ewtp.payments.providers.sandbox import SandboxProvider

    provider = SandboxProvider.from_settings()
    due = provider.due_event_ids(now)
    recorded = {e for i in range(0, len(due), 500) for e in WebhookEvent.objects.filter(
        provider=SandboxProvider.name, event_id__in=due[i:i + 500]).values_list("event_id", flat=True)}

    def send(headers: dict[str, str], body: bytes) -> int:
        try:
            receive(SandboxProvider.name, headers, body, now, recorded=recorded)
        except AppError as exc:
            return exc.status
        return 200

    return provider.deliver_due(send, now)
