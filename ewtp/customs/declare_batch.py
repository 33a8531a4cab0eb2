"""The declarations of a batch's fast path (`customs.batch`), written together: the same rows,
events, ledger transactions and audit entries, in the same order, as `declarations.declare` one
parcel at a time, in a few statements.

Each declaration is built, accepted and routed in turn (`declarations.build`, the same checks).
What is written waits for `write`: the remittances first, decided in the order declared
(`remittance.Batch`: the same refusals, on escrows read together; a refusal rolls the whole
batch back for the one-by-one path, as any failure after a write does), their ledger
transaction ids going on the declarations' rows; then the declarations (multi-row inserts in
the order built: the same primary keys), their events, and last the audit entries the batch
recorded meanwhile, in the order recorded (a remittance's in its declaration's place) — every
audit entry of the fast path goes through `record`, so none overtakes another. Whatever reads what waits
(a change to a declaration, a buyer's year-to-date the book has not counted) calls `write` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.compiled import insert
from ewtp.core.money import Money
from ewtp.customs import declarations, risk
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel
from ewtp.payments import remittance

PARAMS = 999  # bound parameters per INSERT (SQLite's oldest limit)


class Unusual(Exception):
    """Something the batch does not reproduce (`remittance.Unusual`): the caller rolls the batch
    back and goes one by one."""


@dataclass(frozen=True)
class _Remitted:
    """The place of a remittance's audit entry among the batch's: recorded at `write`, if booked."""

    index: int  # in the remittance batch


class Pending:
    def __init__(self, ytd: Callable[[str, int, int], Decimal]) -> None:
        """`ytd`: the buyer's year-to-date as `declarations.buyer_year_to_date` gives it, from the
        caller's book (which counts what waits here, or writes it before reading)."""
        self.ytd = ytd
        self.audits: list[tuple[Actor | str, str, Any, dict | None, dict | None] | _Remitted] = []
        self.decls: list[Declaration] = []
        self.events: list[DeclarationEvent] = []
        self.remits = remittance.Batch()
        self.waiting: list[tuple[Declaration, int]] = []  # (declaration, its remittance in `remits`)
        self.buyers: set[str] = set()  # whose declarations wait: their year-to-date needs them written

    def record(self, actor: Actor | str, action: str, obj: Any = None, *, before: dict | None = None,
               after: dict | None = None) -> None:
        """`audit.record`, at `write` (the object's primary key and any dict are read then)."""
        self.audits.append((actor, action, obj, before, after))

    def declare(self, parcel: Parcel, docs: dict, rules: list[risk.Rule]) -> Declaration:
        """`declarations.declare`, its writes (and its remittance's refusals) waiting for `write`."""
        decl, events = declarations.build(parcel, docs, timezone.now(), rules, self.ytd)
        self.decls.append(decl)
        self.events += events
        self.buyers.add(decl.buyer_id_number)
        declarations.audit_declared(decl, events, self.record)
        if decl.status == declarations.RELEASED and decl.charges is not None:
            i = self.remits.add(parcel.order_no, Money(decl.duty, decl.currency), Money(decl.tax_total, decl.currency))
            self.waiting.append((decl, i))
            self.audits.append(_Remitted(i))
        return decl

    def write(self) -> None:
        """Write what waits, in the order one by one writes it; the audit entries last, in order."""
        try:
            remitted = self.remits.post()
        except remittance.Unusual as exc:
            raise Unusual(str(exc)) from exc
        for decl, i in self.waiting:
            r = remitted[i]
            decl.remittance_tx = r if r is None or isinstance(r, int) else r.tx_id
        _insert(self.decls)
        _insert(self.events)
        for a in self.audits:
            if not isinstance(a, _Remitted):
                audit.record(a[0], a[1], a[2], before=a[3], after=a[4])
                continue
            r = remitted[a.index]
            if not (r is None or isinstance(r, int)):
                r.record(SYSTEM)
        self.audits, self.decls, self.events, self.waiting, self.buyers = [], [], [], [], set()


def _insert(rows: list) -> None:
    if not rows:
        return
    per = max(1, PARAMS // len(type(rows[0])._meta.concrete_fields))
    for n in range(0, len(rows), per):
        insert(rows[n:n + per])
