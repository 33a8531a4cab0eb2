"""The declarations of a batch's fast path (`customs.batch`), written together: the same rows,
events, ledger transactions and audit entries, in the same order, as `declarations.declare` one
parcel at a time, in a few statements.

Each declaration is built, accepted and routed in turn (`declarations.build`, the same checks)
and its remittance decided at once (`remittance.Batch`: the same refusals, on the escrow as it
stands), so a refusal is met where one by one meets it. What is written waits for `write`: the
remittances first (their ledger transaction ids go on the declarations' rows), then the
declarations (multi-row inserts in the order built: the same primary keys), their events, and
last the audit entries the batch recorded meanwhile, in the order recorded — every audit entry
of the fast path goes through `record`, so none overtakes another. Whatever reads what waits
(a buyer's year-to-date, a change to a declaration) calls `write` first.
"""

from __future__ import annotations

from datetime import datetime
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
    """Something the batch does not reproduce (a second remittance of an order in one batch, a
    transfer from a sharded account): the caller rolls the batch back and goes one by one."""


class Pending:
    def __init__(self) -> None:
        self.audits: list[tuple[Actor | str, str, Any, dict | None, dict | None]] = []
        self.decls: list[Declaration] = []
        self.events: list[DeclarationEvent] = []
        self.remits = remittance.Batch()
        self.waiting: list[tuple[Declaration, Any]] = []  # (declaration, its remittance to be posted)
        self.buyers: set[str] = set()  # whose declarations wait: their year-to-date needs them written

    def record(self, actor: Actor | str, action: str, obj: Any = None, *, before: dict | None = None,
               after: dict | None = None) -> None:
        """`audit.record`, at `write` (the object's primary key and any dict are read then)."""
        self.audits.append((actor, action, obj, before, after))

    def year_to_date(self, buyer: str, year: int, exclude_parcel: int) -> Decimal:
        if buyer in self.buyers:
            self.write()
        return declarations.buyer_year_to_date(buyer, year, exclude_parcel=exclude_parcel)

    def declare(self, parcel: Parcel, docs: dict, rules: list[risk.Rule], now: datetime | None = None) -> Declaration:
        """`declarations.declare`, its writes waiting for `write`."""
        decl, events = declarations.build(parcel, docs, now or timezone.now(), rules, self.year_to_date)
        self.decls.append(decl)
        self.events += events
        self.buyers.add(decl.buyer_id_number)
        declarations.audit_declared(decl, events, self.record)
        if decl.status == declarations.RELEASED and decl.charges is not None:
            try:
                due = self.remits.remit(SYSTEM, parcel.order_no, Money(decl.duty, decl.currency),
                                        Money(decl.tax_total, decl.currency), self.record)
            except ValueError as exc:
                raise Unusual(str(exc)) from exc
            if isinstance(due, int | None):
                decl.remittance_tx = due
            else:
                self.waiting.append((decl, due))
        return decl

    def write(self) -> None:
        """Write what waits, in the order one by one writes it; the audit entries last, in order."""
        self.remits.post()
        for decl, due in self.waiting:
            decl.remittance_tx = due.tx_id
        _insert(self.decls)
        _insert(self.events)
        for actor, action, obj, before, after in self.audits:
            audit.record(actor, action, obj, before=before, after=after)
        self.audits, self.decls, self.events, self.waiting, self.buyers = [], [], [], [], set()


def _insert(rows: list) -> None:
    if not rows:
        return
    per = max(1, PARAMS // len(type(rows[0])._meta.concrete_fields))
    for n in range(0, len(rows), per):
        insert(rows[n:n + per])
