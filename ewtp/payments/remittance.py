"""Duty and tax of a DDP order, due to the destination's authority at customs clearance.

At release of the customs declaration, the duty and tax the buyer paid move from the order's
escrow to the jurisdiction's `duty_payable` / `tax_payable` accounts (`remit_at_clearance`): a
partial resolution of the escrow (counted in `released_minor`, so an escrow still resolves at most
once in total and never more than it held). The escrow's `duty_minor` / `tax_minor` then say what
is *still* to be booked from it, so the later release to the seller books no duty twice; the
figures frozen at checkout stay on the Payment. A periodic tax return, once paid, settles the
payable accounts against the provider's clearing account (`settle_return`): the money leaves the
hub's books to the authority.

Idempotent by the ledger itself: one `escrow_remit` transaction per order reference.

`Batch`: the remittances of many orders (a customs batch declaring green parcels), decided in
turn with the same refusals and written together (one `ledger.post_batch`, the escrows in one
statement) — the same rows as `remit_at_clearance` one after another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery, save_fields, save_many
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import chunks
from ewtp.payments import accounts, ledger
from ewtp.payments.escrow import _state, locked_row, snapshot
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Escrow, LedgerTransaction

REMIT, RELEASE, SETTLE = "escrow_remit", "escrow_release", "tax_return_paid"
# the transaction that already booked an order's duty and tax (escrow_remit sorts first)
_booked = CompiledQuery(lambda ref: LedgerTransaction.objects.filter(reference=ref, kind__in=(REMIT, RELEASE))
                        .order_by("-kind").only("pk")[:1], texts=(0,))


def remit_at_clearance(actor: Actor | str, order_ref: str, duty: Money, tax: Money, *,
                       savepoint: bool = True) -> int | None:
    """Book the released declaration's duty and tax on the payable accounts out of the order's
    escrow. Returns the ledger transaction that holds them on the payable accounts (this one, an
    earlier remittance, or the escrow release that already booked them), or None when the hub
    holds no escrow for the order (an external marketplace withholds the tax itself) or nothing
    is due. `savepoint=False`: the caller is inside a transaction that a refusal rolls back (to
    its own savepoint) anyway, so this needs none of its own; every refusal comes before a write."""
    with transaction.atomic(savepoint=savepoint):
        due = _decide(order_ref, duty, tax)
        if not isinstance(due, _Due):
            return due
        tx_id = ledger.post(due.entry)
        _apply(due)
        due.tx_id = due.after["tx"] = tx_id
        save_fields(due.escrow, ["released_minor", "duty_minor", "tax_minor", "state"])
        due.record(actor)
    return tx_id


@dataclass
class _Due:
    """A remittance decided, not yet written: its ledger entry and the escrow it draws on."""

    escrow: Escrow
    entry: Entry
    d: int
    t: int
    before: dict
    after: dict = field(default_factory=dict)  # the escrow's snapshot after it, with duty, tax and tx
    tx_id: int | None = None

    def record(self, actor: Actor | str) -> None:
        """The remittance's audit entry (once booked), whichever path booked it."""
        audit.record(actor, "payments.escrow_remit", self.escrow, before=self.before, after=self.after)


def _decide(order_ref: str, duty: Money, tax: Money, escrow: Callable[[str], Escrow | None] = locked_row,
            booked: Callable[[str], int | None] | None = None) -> int | None | _Due:
    """A remittance's refusals, in order, and what it books (nothing written) -> its answer
    when nothing is to be booked (`remit_at_clearance`'s), else what to book. `escrow`, `booked`:
    the order's escrow (locked) and the transaction that booked its duty and tax already, from
    the caller when it has read them."""
    if duty.currency != tax.currency:
        raise ValidationFailed.field("tax", "duty and tax in one currency")
    if duty.is_negative() or tax.is_negative() or not duty.is_rounded() or not tax.is_rounded():
        raise ValidationFailed.field("duty", "amounts >= 0, rounded to the currency's minor unit")
    e = escrow(order_ref)  # one query: lock, or none
    if e is None:
        return None
    done = booked(order_ref) if booked is not None else next((t.pk for t in _booked(order_ref)), None)
    if done is not None:  # remitted already (escrow_remit sorts first), or the escrow release booked them
        return done
    if duty.currency != e.currency:
        raise Conflict(f"escrow {order_ref} is in {e.currency}, the declaration in {duty.currency}")
    d, t = duty.to_minor(), tax.to_minor()
    if d > e.duty_minor or t > e.tax_minor:
        raise Conflict(f"escrow {order_ref} holds {e.money(e.duty_minor)} duty and {e.money(e.tax_minor)} "
                       f"tax, less than declared ({duty}, {tax})")
    if d + t > e.remaining_minor:
        raise Conflict(f"escrow {order_ref} has only {e.money(e.remaining_minor)} left")
    if d + t == 0:
        return None
    entry = Entry(REMIT, order_ref).add(accounts.seller_escrow(e.seller_org_id, e.currency), -(d + t))
    if d:
        entry.add(accounts.duty_payable(e.jurisdiction, e.currency), d)
    if t:
        entry.add(accounts.tax_payable(e.jurisdiction, e.currency), t)
    return _Due(e, entry, d, t, snapshot(e))


def _apply(due: _Due) -> None:
    """The escrow after the remittance (in memory)."""
    e = due.escrow
    e.released_minor += due.d + due.t
    e.duty_minor -= due.d
    e.tax_minor -= due.t
    e.state = _state(e)
    due.after = snapshot(e) | {"duty": due.d, "tax": due.t}


class Unusual(Exception):
    """What `Batch` does not reproduce: the caller goes one by one."""


class Batch:
    """Remittances of distinct orders written together, as `remit_at_clearance` one after another
    would: `add` each, then `post` decides them in the order added — the same refusals, raised
    there — on the escrows and earlier transactions read for all of them at once, and writes the
    ledger transactions in one `ledger.post_batch` (in that order: the same ids), each account's
    `version` raised once per transaction as one by one, and the escrows in one statement.
    A second remittance of an order, or one whose posting would first sweep a sharded account
    (post_batch sweeps before all of them: other ids), raises Unusual: nothing was written."""

    def __init__(self) -> None:
        self.todo: list[tuple[str, Money, Money]] = []

    def add(self, order_ref: str, duty: Money, tax: Money) -> int:
        """-> its place in `post`'s answer."""
        self.todo.append((order_ref, duty, tax))
        return len(self.todo) - 1

    def post(self) -> list[int | None | _Due]:
        """-> per remittance added, `remit_at_clearance`'s answer, or what was booked (its
        `tx_id`, its escrow's `before` and `after` for the caller's audit entry)."""
        todo, self.todo = self.todo, []
        refs = [ref for ref, _, _ in todo]
        if len(set(refs)) != len(refs):
            raise Unusual("a second remittance of an order in one batch")
        escrows, booked = _read(refs)
        out: list[int | None | _Due] = []
        for ref, duty, tax in todo:
            due = _decide(ref, duty, tax, escrows.get, booked)
            if isinstance(due, _Due):
                if any(leg.sweep for leg in due.entry.legs):
                    raise Unusual(f"a remittance of {ref} from a sharded account")
                _apply(due)
            out.append(due)
        dues = [d for d in out if isinstance(d, _Due)]
        if dues:
            _write(dues)
        return out


def _read(refs: list[str]) -> tuple[dict[str, Escrow], Callable[[str], int | None]]:
    """The escrows of these orders, locked (in id order), and a lookup of what `_booked` answers."""
    escrows: dict[str, Escrow] = {}
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for chunk in chunks(refs):
        escrows.update((e.order_ref, e) for e in Escrow.objects.select_for_update().filter(order_ref__in=chunk)
                       .order_by("pk"))
        for ref, kind, pk in (LedgerTransaction.objects.filter(reference__in=chunk, kind__in=(REMIT, RELEASE))
                              .values_list("reference", "kind", "pk")):
            found[ref].append((kind, pk))
    accounts.preload_for(escrows.values(), accounts.REMIT)  # within a memoised caller

    def booked(ref: str) -> int | None:
        rows = found.get(ref)
        if not rows:
            return None
        top = max(kind for kind, _ in rows)
        first = [pk for kind, pk in rows if kind == top]
        if len(first) == 1:
            return first[0]
        return next((t.pk for t in _booked(ref)), None)  # a tie: whichever the query itself gives

    return escrows, booked


def _write(dues: list[_Due]) -> None:
    # post_batch raises each account's version once per transaction moving it, as one by one
    tx_ids = ledger.post_batch([d.entry for d in dues])
    for due, tx_id in zip(dues, tx_ids, strict=True):
        due.tx_id = due.after["tx"] = tx_id
    save_many([d.escrow for d in dues], ["released_minor", "duty_minor", "tax_minor", "state"])


def settle_return(actor: Actor | str, reference: str, jurisdiction: str, payable: dict[str, dict[str, int]],
                  provider: str = "sandbox") -> int:
    """Pay a tax return: per currency, its duty and tax leave the jurisdiction's payable accounts
    for the provider's clearing account (money paid out to the authority). One balanced
    transaction; a payable account without enough on it refuses the whole payment (409)."""
    entry = Entry(SETTLE, reference)
    total = 0
    for currency, amounts in sorted(payable.items()):
        d, t = int(amounts.get("duty", 0)), int(amounts.get("tax", 0))
        if d < 0 or t < 0:
            raise ValidationFailed.field("payable", "amounts >= 0")
        if d:
            entry.add(accounts.duty_payable(jurisdiction, currency), -d)
        if t:
            entry.add(accounts.tax_payable(jurisdiction, currency), -t)
        if d + t:
            entry.add(accounts.clearing(provider, currency), d + t)
        total += d + t
    if total == 0:
        raise Conflict("nothing to pay on this return")
    with transaction.atomic():
        tx_id = ledger.post(entry)
        audit.record(actor, "payments.tax_return_paid", object_type="payments.ledgertransaction",
                     object_id=str(tx_id), after={"reference": reference, "jurisdiction": jurisdiction,
                                                  "payable": payable, "provider": provider})
    return tx_id
