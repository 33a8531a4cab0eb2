"""The batch form of handling the provider's refund and payout outcomes (webhooks.receive_many):
a run of verified `refund.succeeded`, `payout.paid` and `payout.failed` events handled as
`webhooks.receive` handles each in turn — each decided by the same checks (events.py, payouts.py)
on its refund or payout as the events before it left it, a refused one refused alone and changing
nothing, an event id handled once — but with the run's refunds and payouts read and locked in one
query each, and its writes made together at the end, in the order the events came: the ledger
transactions (`ledger.post_batch`: each account's version raised once per transaction that moves
it, as one by one), the new states, the event rows (one insert) and the audit entries
(`audit.batch`).

A failed refund (it re-opens an escrow or an adjustment) is not in a run: it is handled alone. If
writing the run fails (a guarded balance, a racing delivery recorded an event first), the run is
rolled back and each of its events handled alone, which answers each as the single form does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ewtp.core.errors import AppError
from ewtp.core.orm import update_by_value
from ewtp.payments import events, ledger, payouts
from ewtp.payments.event_batch import event_row, handle_run, write_event_rows
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Payout, Refund
from ewtp.payments.providers.base import ProviderEvent

SETTLEMENT_EVENTS = {"refund.succeeded", "payout.paid", "payout.failed"}
CHUNK = 500  # rows per IN list or insert: under SQLite's bound-parameter limit


@dataclass
class _Run:
    """What a run of events writes, gathered in their order."""

    refunds: dict[int, Refund]  # by id, locked with their escrows (as each event finds it)
    payouts: dict[int, Payout]  # by id, locked
    entries: list[Entry] = field(default_factory=list)
    refunds_moved: dict[int, Refund] = field(default_factory=dict)
    payouts_moved: dict[int, Payout] = field(default_factory=dict)
    rows: list[tuple] = field(default_factory=list)  # event rows' values (`event_batch.event_row`)
    audits: list[Callable[[], None]] = field(default_factory=list)


def _payout_ref(event: ProviderEvent) -> int | None:
    try:
        return events.payout_id(event.data)
    except AppError:
        return None


def _load(todo: Sequence[ProviderEvent]) -> _Run:
    refund_ids = sorted({events.refund_id(e.data) for e in todo if e.type.startswith("refund.")})
    payout_ids = sorted({pk for e in todo if e.type.startswith("payout.") and (pk := _payout_ref(e)) is not None})
    refunds: dict[int, Refund] = {}
    for i in range(0, len(refund_ids), CHUNK):
        refunds.update((r.pk, r) for r in Refund.objects.select_for_update(of=("self", "escrow"))
                       .select_related("escrow").filter(pk__in=refund_ids[i:i + CHUNK]).order_by("pk"))
    found: dict[int, Payout] = {}
    for i in range(0, len(payout_ids), CHUNK):
        found.update((p.pk, p) for p in Payout.objects.select_for_update()
                     .filter(pk__in=payout_ids[i:i + CHUNK]).order_by("pk"))
    return _Run(refunds, found)


def _refund(run: _Run, actor: str, event: ProviderEvent) -> str:
    r = run.refunds.get(events.refund_id(event.data))
    if not events.refund_moves(r, Refund.SUCCEEDED, event.data):
        return f"refund already {Refund.SUCCEEDED}"
    run.entries.append(events.refund_out_entry(r))
    r.state = Refund.SUCCEEDED
    run.refunds_moved[r.pk] = r
    run.audits.append(lambda: events.audit_refund(actor, r, Refund.SUCCEEDED))
    return f"refund {r.pk} {Refund.SUCCEEDED}"


def _payout(run: _Run, actor: str, event: ProviderEvent, now: datetime) -> str:
    pk = events.payout_id(event.data)
    p = run.payouts.get(pk)
    events.payout_checked(None if p is None else (p.amount_minor, p.currency), event.data)
    paid = event.type == "payout.paid"
    target = Payout.PAID if paid else Payout.FAILED
    if payouts.settles(p, target):
        run.entries.append(payouts.settle_entry(p, paid))
        payouts.settled(p, target, str(event.data.get("reason", "")), now)
        run.payouts_moved[p.pk] = p
        run.audits.append(lambda: payouts.audit_settled(actor, p, target))
    return f"payout {p.pk} {p.state}"


def _plan(run: _Run, provider: str, actor: str, event: ProviderEvent, now: datetime) -> None:
    """The event's writes added to the run; raises (changing nothing) what the single form refuses it with."""
    outcome = _refund(run, actor, event) if event.type == "refund.succeeded" else _payout(run, actor, event, now)
    run.rows.append(event_row(provider, event, outcome))


def _write(run: _Run) -> None:
    ledger.post_batch(run.entries)
    update_by_value(list(run.refunds_moved.values()), ["state"])
    update_by_value(list(run.payouts_moved.values()), ["state", "settled_at", "failure_reason"])
    write_event_rows(run.rows)
    # audited after the ledger, as the single form: the audit head lock is taken last
    for record in run.audits:
        record()


def receive_settlements(provider: str, todo: Sequence[ProviderEvent], recorded: set[str],
                        single: Callable[[ProviderEvent], int]) -> list[int]:
    """HTTP statuses of refund and payout outcomes handled in turn (`single(event)`: `receive` of
    one, after its signature is checked). `recorded`: the event ids handled already, kept up to date."""
    actor, now = f"provider:{provider}", timezone.now()

    def plan(run: _Run, event: ProviderEvent) -> bool:
        _plan(run, provider, actor, event, now)
        return True

    return handle_run(todo, recorded, _load, plan, _write, single)
