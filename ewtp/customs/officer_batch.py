"""Officers' actions on many declarations at once (`officer_actions`): the same rows, events, ledger
transactions and audit entries, in the same order, as `declarations.officer_action` one after
another — in a few statements instead of five or so per action.

One by one, each action is its own transaction: it locks its declaration, checks the officer and
the transition, writes the declaration's row and an event, records its audit entry and, at
release, books the duty and tax out of the order's escrow (`payments.remittance`). Here every
declaration is read (and locked) once, each action checked and applied in memory in turn (a
refused one changes nothing and gives its error in its place, as its own transaction would),
then the remittances are decided and posted together (`remittance.Batch`, the same refusals, in
the order released), the events inserted in the order made (the same primary keys), the
declarations' rows written once with their last state, and the audit entries recorded in the
order one by one records them (a remittance's right after its release's). A remittance refused
or anything the batch does not reproduce rolls the whole batch back and the actions go one by
one, which is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone

from ewtp.core.actor import Actor, Role
from ewtp.core.compiled import insert, save_many
from ewtp.core.errors import AppError, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import chunks
from ewtp.customs import declarations
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel
from ewtp.payments import remittance

EVENT_ROWS = 100  # events per INSERT: 8 columns, under SQLite's oldest parameter limit (999)
# what an officer's action writes to the declaration's row, one by one in two statements
_WRITTEN = ["status", "reason", "updated_at", "released_at", "remittance_tx"]


@dataclass(frozen=True)
class Action:
    """One `declarations.officer_action(actor, decl_id, action, reason, now)` call."""

    actor: Actor
    decl_id: int
    action: str
    reason: str = ""
    now: datetime | None = None


def officer_actions(actions: list[Action]) -> list[Declaration | AppError]:
    """Each action as `declarations.officer_action` does it, in order, each as its own
    transaction: a refused one (its error in its place) changes nothing and the others go on.
    -> the declaration acted on, or the refusal. (Two actions on one declaration give the same
    object, in its last state.)"""
    if not actions:
        return []
    try:
        with transaction.atomic():
            return _fast(actions)
    except (AppError, remittance.Unusual, DatabaseError):
        return [_one(a) for a in actions]  # rolled back: one by one decides


def _one(a: Action) -> Declaration | AppError:
    try:
        return declarations.officer_action(a.actor, a.decl_id, a.action, a.reason, now=a.now)
    except AppError as err:
        return err


def _reason(a: Action) -> str:
    """`officer_action`'s checks of its arguments, in its order -> the note."""
    if a.action not in declarations.OFFICER_ACTIONS:
        raise ValidationFailed.field("action", f"one of {', '.join(declarations.OFFICER_ACTIONS)}")
    reason = (a.reason or "").strip()
    if a.action in declarations.NEEDS_REASON and not reason:
        raise ValidationFailed.field("reason", f"a reason is required to {a.action.replace('_', ' ')}")
    return reason


def _read(ids: list[int]) -> tuple[dict[int, Declaration], dict[int, str]]:
    """The declarations (locked, in id order) and their parcels' order numbers."""
    decls: dict[int, Declaration] = {}
    for part in chunks(sorted(set(ids))):
        decls.update((d.pk, d) for d in Declaration.objects.select_for_update().filter(pk__in=part).order_by("pk"))
    order_nos: dict[int, str] = {}
    for part in chunks(sorted({d.parcel_id for d in decls.values()})):
        order_nos.update(Parcel.objects.filter(pk__in=part).values_list("pk", "order_no"))
    return decls, order_nos


def _fast(actions: list[Action]) -> list[Declaration | AppError]:
    decls, order_nos = _read([a.decl_id for a in actions])
    results: list[Declaration | AppError] = []
    events: list[DeclarationEvent] = []
    remits = remittance.Batch()
    waiting: list[tuple[Declaration, int]] = []  # (released declaration, its remittance in `remits`)
    audits: list[Callable[[list], None]] = []  # in the order one by one records them
    touched: dict[int, Declaration] = {}
    for a in actions:
        try:
            note = _reason(a)
            decl = decls.get(a.decl_id)
            if decl is None:
                raise NotFound("Declaration not found")
            declarations.require_declaration_access(a.actor, decl)
            if a.actor.role != Role.CUSTOMS_OFFICER:
                raise Forbidden("only a customs officer of this jurisdiction may act on a declaration")
            event = declarations._step(a.actor, decl, a.action, note)  # refused: nothing changed
        except AppError as err:
            results.append(err)
            continue
        touched[decl.pk] = decl
        events.append(event)
        audits.append(lambda _, actor=a.actor, decl=decl, event=event: declarations._audit_move(actor, decl, event))
        if decl.status == declarations.RELEASED:
            # as `declarations._released`: never before the declaration itself
            decl.released_at = max(a.now or timezone.now(), decl.created_at or timezone.now())
            if decl.charges is not None:
                i = remits.add(order_nos[decl.parcel_id], Money(decl.duty, decl.currency),
                               Money(decl.tax_total, decl.currency))
                waiting.append((decl, i))
                audits.append(lambda remitted, actor=a.actor, i=i: _record_remit(remitted[i], actor))
        results.append(decl)
    remitted = remits.post()  # a refusal (or what it does not reproduce): all of it one by one
    for decl, i in waiting:
        r = remitted[i]
        decl.remittance_tx = r if r is None or isinstance(r, int) else r.tx_id
    for n in range(0, len(events), EVENT_ROWS):
        insert(events[n:n + EVENT_ROWS])
    save_many(list(touched.values()), _WRITTEN)
    for record in audits:
        record(remitted)
    return results


def _record_remit(r, actor: Actor) -> None:
    if not (r is None or isinstance(r, int)):  # booked here: its audit entry (else none, as one by one)
        r.record(actor)

