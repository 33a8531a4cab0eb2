"""The batch form of handling payment events (webhooks.receive_many): a run of verified events
handled as `webhooks.receive` handles each in turn — every event decided by the same
`events.decide` on its payment as the events before it left it, a refused one refused alone and
changing nothing, an event id handled once — but with the run's payments and escrows read and
locked in one query each, and its writes made together at the end, in the order the events came:
the payments' new states, the escrows opened (one insert), their ledger transactions
(`ledger.post_batch`), the event rows (one insert) and the audit entries (`audit.batch`).

Two things leave the batch form: an authorisation of an abandoned payment (it calls the provider)
is handled alone, after the events before it are written; and if writing the run fails (a racing
delivery recorded an event or opened an escrow first), the run is rolled back and each of its events
handled alone, which answers each as the single form does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.utils import timezone

from ewtp.core import audit
from ewtp.core.compiled import insert, insert_values
from ewtp.core.errors import AppError
from ewtp.core.orm import update_by_value
from ewtp.payments import accounts, escrow, ledger
from ewtp.payments.events import PAYMENT_EVENTS, decide, move
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Escrow, Payment, WebhookEvent
from ewtp.payments.providers.base import ProviderEvent

R = TypeVar("R")  # what a run's load reads and its plans fill

CHUNK = 500  # rows per IN list or insert: under SQLite's bound-parameter limit


@dataclass
class _Run:
    """What a run of events writes, gathered in their order."""

    payments: dict[str, Payment]  # by provider reference, locked (as each event finds it)
    escrows: dict[str, Escrow]  # by order reference: existing (locked) or opened in this run
    moved: dict[int, Payment] = field(default_factory=dict)  # written once, in their last state
    holds: list[Escrow] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # event rows' values (`event_row`)
    audits: list[tuple] = field(default_factory=list)  # (action, object, before, after)


_EVENT_FIELDS = ("provider", "event_id", "type", "payload", "outcome", "received_at")


def event_row(provider: str, event: ProviderEvent, outcome: str) -> tuple:
    """The WebhookEvent row recording a handled event, as `webhooks._handle` creates it, as values
    (a batch inserts thousands and reads none back: no model instance each)."""
    return (provider, event.id, event.type[:40], event.data, outcome[:200])


def write_event_rows(rows: list[tuple]) -> None:
    """The `event_row`s inserted, a few statements; received now (auto_now_add), as one by one."""
    now = timezone.now()
    insert_values(WebhookEvent, _EVENT_FIELDS, [(*r, now) for r in rows])


def _ref(event: ProviderEvent) -> str:
    return str(event.data.get("provider_ref", ""))


def _load(events: Sequence[ProviderEvent]) -> _Run:
    """The run's payments (each reference's first by id, as the single form finds it) and the
    escrows its captures may open, locked in id order."""
    refs = sorted({_ref(e) for e in events})
    payments: dict[str, Payment] = {}
    for i in range(0, len(refs), CHUNK):
        for p in Payment.objects.select_for_update().filter(provider_ref__in=refs[i:i + CHUNK]).order_by("pk"):
            payments.setdefault(p.provider_ref, p)
    captured = sorted({payments[_ref(e)].order_ref for e in events
                       if PAYMENT_EVENTS[e.type] == Payment.CAPTURED and _ref(e) in payments})
    # the accounts the captures' holds post to, looked up together (handle_run memoises them)
    accounts.preload_for([payments[_ref(e)] for e in events
                          if PAYMENT_EVENTS[e.type] == Payment.CAPTURED and _ref(e) in payments], accounts.HOLD)
    escrows: dict[str, Escrow] = {}
    for i in range(0, len(captured), CHUNK):
        escrows.update((e.order_ref, e) for e in
                       Escrow.objects.select_for_update().filter(order_ref__in=captured[i:i + CHUNK]).order_by("pk"))
    return _Run(payments, escrows)


def _plan(run: _Run, provider: str, event: ProviderEvent) -> bool:
    """The event's writes added to the run; raises (changing nothing) what the single form refuses
    it with. False (nothing added) for an event to handle alone: a late authorisation of an
    abandoned payment, which calls the provider."""
    target = PAYMENT_EVENTS[event.type]
    p = run.payments.get(_ref(event))
    step = decide(p, target, event.data)
    if step.late_void:
        return False
    hold, entry = step.hold, None
    if hold is not None:
        existing = run.escrows.get(hold.order_ref)
        if existing is not None:
            escrow.kept_hold(existing, hold)  # held already: nothing more, or a Conflict
            hold = None
        else:
            entry = escrow.hold_entry(hold)
    if step.before:
        move(p, target, event.data)
        run.moved[p.pk] = p
        if hold is not None:
            run.escrows[hold.order_ref] = hold
            run.holds.append(hold)
            run.entries.append(entry)
            run.audits.append(("payments.escrow_hold", hold, None, escrow.snapshot(hold)))
        run.audits.append((f"payments.payment_{target}", p, {"state": step.before}, {"state": target}))
    run.rows.append(event_row(provider, event, step.outcome))
    return True


def _write(run: _Run, actor: str) -> None:
    now = timezone.now()
    for p in run.moved.values():
        p.updated_at = now  # auto_now, as save_fields sets it
    update_by_value(list(run.moved.values()), ["state", "decline_reason", "updated_at"])
    for i in range(0, len(run.holds), CHUNK):
        insert(run.holds[i:i + CHUNK])
    ledger.post_batch(run.entries)
    write_event_rows(run.rows)
    # audited after the ledger, as the single form: the audit head lock is taken last
    for action, obj, before, after in run.audits:
        audit.record(actor, action, obj, before=before, after=after)


def handle_run(todo: Sequence[ProviderEvent], recorded: set[str], load: Callable[[list[ProviderEvent]], R],
               plan: Callable[[R, ProviderEvent], bool], write: Callable[[R], None],
               single: Callable[[ProviderEvent], int]) -> list[int]:
    """Statuses of the events of `todo` this run handles, in order: the events are planned in
    turn on what `load` read (a refused one answered alone, a duplicate acknowledged) until `plan`
    answers False, then `write` writes the run, in a savepoint with its audit entries chained at
    its end and its ledger accounts looked up once. If anything fails, the run is rolled back and
    each event of `todo` handled alone (`single`), which answers each as the single form does —
    the events before a failing one are handled, then its error is raised."""
    statuses: list[int] = []
    seen: list[str] = []  # event ids this run records
    try:
        with audit.batch(), accounts.memoised():
            run = load([e for e in todo if e.id not in recorded])
            for event in todo:
                if event.id in recorded:
                    statuses.append(200)  # a duplicate, acknowledged
                    continue
                try:
                    if not plan(run, event):
                        break  # handled by the caller's next run, after this one is written
                except AppError as err:
                    statuses.append(err.status)
                    continue
                recorded.add(event.id)
                seen.append(event.id)
                statuses.append(200)
            write(run)
    except Exception:  # noqa: BLE001 - whatever failed, the single form meets it again event by event
        # rolled back (an IntegrityError from a racing delivery, a guarded balance, or an event
        # the checks did not foresee): none of the run is recorded
        recorded.difference_update(seen)
        return [single(e) for e in todo]
    return statuses


def receive_run(provider: str, events: Sequence[ProviderEvent], recorded: set[str],
                single: Callable[[ProviderEvent], int]) -> list[int]:
    """HTTP statuses of payment events handled in turn (`single(event)`: `receive` of one, after
    its signature is checked). `recorded`: the event ids handled already, kept up to date. An
    authorisation of an abandoned payment ends a run: it is handled alone in the next."""
    actor = f"provider:{provider}"
    out: list[int] = []
    while len(out) < len(events):
        out += handle_run(events[len(out):], recorded, _load, lambda run, e: _plan(run, provider, e),
                          lambda run: _write(run, actor), single)
        if len(out) < len(events):  # the event that ended the run, handled alone
            out.append(single(events[len(out)]))
    return out
