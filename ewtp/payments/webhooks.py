"""Receiving provider webhooks: verify the signature and freshness, handle each event id once.

The event is recorded and handled in one transaction: if handling fails, nothing is kept and
the provider's retry is handled afresh; once handled, the same event id is acknowledged as a
duplicate and changes nothing (a provider may send an event twice, or an attacker replay one
within the timestamp tolerance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction

from ewtp.core.compiled import create
from ewtp.core.errors import AppError, ValidationFailed
from ewtp.core.orm import chunks
from ewtp.payments.event_batch import receive_run
from ewtp.payments.events import PAYMENT_EVENTS, handle_event
from ewtp.payments.models import WebhookEvent
from ewtp.payments.providers import get_provider
from ewtp.payments.providers.base import PaymentProvider, ProviderEvent
from ewtp.payments.settle_batch import SETTLEMENT_EVENTS, receive_settlements

EVENT_ID_MAX = WebhookEvent._meta.get_field("event_id").max_length


def receive(provider: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None, *,
            recorded: set[str] | None = None) -> dict:
    """Returns {"status": "processed"|"duplicate", ...}; raises BadSignature (400) or the
    handler's error (the event is then not recorded, so a retry is handled again).
    `recorded`: a batch's view of the event ids already recorded (read once by the caller for
    the events it is about to deliver, and kept up to date here) instead of a query per event;
    a racing delivery is still caught by the unique constraint."""
    return _handle(provider, _verified(get_provider(provider), headers, body, now), recorded)


def _verified(adapter: PaymentProvider, headers: Mapping[str, str], body: bytes, now: datetime | None) -> ProviderEvent:
    event = adapter.verify_and_parse(headers, body, now)
    if not 0 < len(event.id) <= EVENT_ID_MAX:  # stored and looked up whole: a longer id would not dedupe
        raise ValidationFailed.field("id", f"an event id of 1 to {EVENT_ID_MAX} characters")
    return event


def _handle(provider: str, event: ProviderEvent, recorded: set[str] | None) -> dict:
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


def _status(answer: Callable[[], object]) -> int:
    """The HTTP status the webhook endpoint gives for `answer()`."""
    try:
        answer()
    except AppError as exc:
        return exc.status
    return 200


def receive_many(provider: str, deliveries: Sequence[tuple[Mapping[str, str], bytes]], now: datetime | None = None,
                 *, recorded: set[str]) -> list[int]:
    """`receive` of each (headers, body) in turn, answered with the status the endpoint gives it
    (200 processed or duplicate, else the error's): each signature checked alone, and each run of
    consecutive payment events handled in one batch (event_batch.py), and of refund and payout
    outcomes in another (settle_batch.py); the others one by one.
    `recorded`: as for `receive`, and required here."""
    try:
        adapter = get_provider(provider)
    except AppError as exc:  # no such provider: each refused, as `receive` refuses it
        return [exc.status] * len(deliveries)
    out: list[int] = [200] * len(deliveries)
    verified: list[tuple[int, ProviderEvent]] = []
    for i, (headers, body) in enumerate(deliveries):
        try:
            verified.append((i, _verified(adapter, headers, body, now)))
        except AppError as exc:  # a bad signature or event id: refused alone, before anything is read
            out[i] = exc.status

    def single(event: ProviderEvent) -> int:
        return _status(lambda: _handle(provider, event, recorded))

    k = 0
    while k < len(verified):
        form = _batch_form(verified[k][1].type)
        j = k + 1
        while j < len(verified) and _batch_form(verified[j][1].type) is form:
            j += 1
        if form is None:  # a failed refund, or an unknown type: alone
            out[verified[k][0]] = single(verified[k][1])
            k += 1
            continue
        run = verified[k:j]
        for (i, _), status in zip(run, form(provider, [e for _, e in run], recorded, single), strict=True):
            out[i] = status
        k = j
    return out


BatchForm = Callable[[str, Sequence[ProviderEvent], set[str], Callable[[ProviderEvent], int]], list[int]]


def _batch_form(event_type: str) -> BatchForm | None:
    """The batch form a run of consecutive events of this type is handled by, if any."""
    if event_type in PAYMENT_EVENTS:
        return receive_run
    if event_type in SETTLEMENT_EVENTS:
        return receive_settlements
    return None


def deliver_sandbox(now: datetime | None = None) -> int:
    """Deliver the SANDBOX provider's due webhooks in-process (the scheduled task and tests), as
    one batch (`receive_many`)."""
    from ewtp.payments.providers.sandbox import SandboxProvider

    provider = SandboxProvider.from_settings()
    rows = provider.due_rows(now)  # read once: for the ids recorded already, then to send
    due = sorted({event_id for _, event_id, _, _ in rows})
    recorded = {e for part in chunks(due) for e in WebhookEvent.objects.filter(
        provider=SandboxProvider.name, event_id__in=part).values_list("event_id", flat=True)}
    return provider.deliver_due_many(lambda deliveries: receive_many(SandboxProvider.name, deliveries, now,
                                                                     recorded=recorded), now, rows)
