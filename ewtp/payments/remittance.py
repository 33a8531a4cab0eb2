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
"""

from __future__ import annotations

from django.db import transaction

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery, save_fields
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.money import Money
from ewtp.payments import accounts, ledger
from ewtp.payments.escrow import _state, locked_row, snapshot
from ewtp.payments.ledger import Entry
from ewtp.payments.models import LedgerTransaction

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
    if duty.currency != tax.currency:
        raise ValidationFailed.field("tax", "duty and tax in one currency")
    if duty.is_negative() or tax.is_negative() or not duty.is_rounded() or not tax.is_rounded():
        raise ValidationFailed.field("duty", "amounts >= 0, rounded to the currency's minor unit")
    with transaction.atomic(savepoint=savepoint):
        e = locked_row(order_ref)  # one query: lock, or none
        if e is None:
            return None
        done = next((t.pk for t in _booked(order_ref)), None)
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
        before = snapshot(e)
        entry = Entry(REMIT, order_ref).add(accounts.seller_escrow(e.seller_org_id, e.currency), -(d + t))
        if d:
            entry.add(accounts.duty_payable(e.jurisdiction, e.currency), d)
        if t:
            entry.add(accounts.tax_payable(e.jurisdiction, e.currency), t)
        tx_id = ledger.post(entry)
        e.released_minor += d + t
        e.duty_minor -= d
        e.tax_minor -= t
        e.state = _state(e)
        save_fields(e, ["released_minor", "duty_minor", "tax_minor", "state"])
        audit.record(actor, "payments.escrow_remit", e, before=before,
                     after=snapshot(e) | {"duty": d, "tax": t, "tx": tx_id})
    return tx_id


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
