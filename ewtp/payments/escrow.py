"""Escrow: the buyer's money held for one seller order (pending), later released to the
seller (posted), refunded (voided), or split between them — never more than was held.

State follows the amounts (`held >= released + refunded` always): `pending` until anything
is resolved, `partial` while part of it is still held, then `posted` (all
released), `voided` (all refunded) or `split`. A refund that the provider reports as failed
returns its amount to the escrow (a correction), which re-opens it.

Release order of what is left: duty, then tax (to the destination jurisdiction's payable
accounts), then the hub's frozen fee, and the rest to the seller — converted to the seller's
currency when it differs. A refund therefore reduces the seller's share first. Duty and tax
already remitted at customs clearance (remittance.py) are not booked again: `duty_minor` and
`tax_minor` are what is still to book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery, create, insert, save_fields, save_many
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import chunks
from ewtp.payments import accounts, fx, ledger
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Escrow, Refund


def _state(e: Escrow) -> str:
    if e.remaining_minor == 0:
        if e.refunded_minor == 0:
            return Escrow.POSTED
        return Escrow.VOIDED if e.released_minor == 0 else Escrow.SPLIT
    return Escrow.PENDING if e.released_minor == 0 and e.refunded_minor == 0 else Escrow.PARTIAL


def snapshot(e: Escrow) -> dict:
    return {
        "state": e.state,
        "held": e.held_minor,
        "released": e.released_minor,
        "refunded": e.refunded_minor,
        "hold_reason": e.hold_reason,
    }


# the order's escrow, locked: looked up at every payment step, so compiled once
_locked_escrow = CompiledQuery(lambda ref: Escrow.objects.select_for_update().filter(order_ref=ref)[:1], texts=(0,))


def locked_row(order_ref: str) -> Escrow | None:
    """The order's escrow, locked, or None."""
    return _locked_escrow.first(order_ref)


def locked(order_ref: str) -> Escrow:
    e = locked_row(order_ref)
    if e is None:
        raise NotFound(f"no escrow for order {order_ref!r}")
    return e


def locked_or_404(order_ref: str) -> Escrow:
    e = Escrow.objects.filter(order_ref=order_ref).first()
    if e is None:
        raise NotFound(f"no escrow for order {order_ref!r}")
    return e


def _minor(name: str, value: Money | None, currency: str) -> int:
    if value is None:
        return 0
    if value.currency != currency:
        raise ValidationFailed.field(name, f"must be in {currency}")
    if value.is_negative() or not value.is_rounded():
        raise ValidationFailed.field(name, f"must be >= 0 and rounded to {currency} minor units")
    return value.to_minor()


def hold(actor: Actor | str, **terms: Any) -> Escrow:
    """Move a captured payment from the provider's clearing account into escrow; `terms`: those of
    `new_hold` (order_ref, seller_org_id, amount, seller_currency, provider, and optionally
    buyer_user_id, jurisdiction, duty, tax, fee). Idempotent per order reference: holding the
    same order again returns the existing escrow."""
    return open_hold(actor, new_hold(**terms))


def open_hold(actor: Actor | str, e: Escrow) -> Escrow:
    """`hold` of the escrow `new_hold` checked: opened, or the order's existing one."""
    with transaction.atomic():
        existing = locked_row(e.order_ref)
        if existing is not None:
            return kept_hold(existing, e)
        insert([e])
        ledger.post(hold_entry(e))
        audit.record(actor, "payments.escrow_hold", e, after=snapshot(e))
    return e


def new_hold(
    *,
    order_ref: str,
    seller_org_id: int,
    amount: Money,
    seller_currency: str,
    provider: str,
    buyer_user_id: int | None = None,
    jurisdiction: str = "",
    duty: Money | None = None,
    tax: Money | None = None,
    fee: Money | None = None,
) -> Escrow:
    """`hold`'s checks, before anything is read or written: the escrow it would open (unsaved).
    The parts of `hold` are public for its batch form (payments/event_batch.py)."""
    if not order_ref or len(order_ref) > 120:
        raise ValidationFailed.field("order_ref", "required, at most 120 characters")
    if amount.amount <= 0 or not amount.is_rounded():
        raise ValidationFailed.field("amount", "must be positive and rounded to the currency's minor unit")
    cur = amount.currency
    duty_m, tax_m, fee_m = _minor("duty", duty, cur), _minor("tax", tax, cur), _minor("fee", fee, cur)
    if duty_m + tax_m + fee_m > amount.to_minor():
        raise ValidationFailed.field("amount", "is less than duty + tax + fee")
    return Escrow(
        order_ref=order_ref,
        seller_org_id=seller_org_id,
        buyer_user_id=buyer_user_id,
        currency=cur,
        seller_currency=seller_currency,
        jurisdiction=jurisdiction,
        provider=provider,
        held_minor=amount.to_minor(),
        duty_minor=duty_m,
        tax_minor=tax_m,
        fee_minor=fee_m,
    )


def kept_hold(existing: Escrow, e: Escrow) -> Escrow:
    """Holding an order that is held already: its escrow if it holds the same, else Conflict."""
    if existing.held_minor != e.held_minor or existing.currency != e.currency:
        raise Conflict(f"order {e.order_ref} already holds {existing.money(existing.held_minor)} in escrow")
    return existing


def hold_entry(e: Escrow) -> Entry:
    """The ledger transaction of opening escrow `e`: from the provider's clearing into escrow."""
    return (
        Entry("escrow_hold", e.order_ref)
        .add(accounts.clearing(e.provider, e.currency), -e.held_minor)
        .add(accounts.seller_escrow(e.seller_org_id, e.currency), e.held_minor)
    )


@dataclass
class _Release:
    entry: Entry
    conversion: fx.Conversion | None


def _release_entry(e: Escrow, on: date, rates: fx.RateSource) -> _Release:
    left = e.remaining_minor
    duty = min(e.duty_minor, left)
    tax = min(e.tax_minor, left - duty)
    fee = min(e.fee_minor, left - duty - tax)
    seller = left - duty - tax - fee
    entry = Entry("escrow_release", e.order_ref)
    entry.add(accounts.seller_escrow(e.seller_org_id, e.currency), -left)
    fx.add_legs(entry, accounts.duty_payable(e.jurisdiction, e.currency), duty)
    fx.add_legs(entry, accounts.tax_payable(e.jurisdiction, e.currency), tax)
    fx.add_legs(entry, accounts.hub_fees(e.currency), fee)
    conversion = None
    if seller and e.seller_currency != e.currency:
        # the seller's share leaves escrow through FX liquidity: re-express it as linked legs
        entry.legs.append(ledger.Leg.of(accounts.fx_liquidity(e.currency), seller))
        conversion = fx.convert(e.money(seller), e.seller_currency, on, rates)
        fx.add_legs(entry, accounts.fx_liquidity(e.seller_currency), -conversion.gross.to_minor())
        fx.add_legs(entry, accounts.fx_margin(e.seller_currency), conversion.margin.to_minor())
        fx.add_legs(
            entry, accounts.seller_available(e.seller_org_id, e.seller_currency), conversion.net.to_minor()
        )
    else:
        fx.add_legs(entry, accounts.seller_available(e.seller_org_id, e.currency), seller)
    return _Release(entry, conversion)


def owed_refunds(escrow_id=None):
    """Refunds out of escrow the provider could not pay and nobody has retried: the money is back
    in escrow but owed to the buyer, so it must not be released to the seller meanwhile."""
    qs = Refund.awaiting_retry().filter(tx__kind="escrow_refund")
    return qs if escrow_id is None else qs.filter(escrow_id=escrow_id)


def _check_releasable(e: Escrow) -> None:
    if e.remaining_minor <= 0:
        raise Conflict(f"escrow {e.order_ref} is already {e.state}: nothing left to release")
    if e.hold_reason:
        raise Conflict(f"escrow {e.order_ref} is on hold ({e.hold_reason}): resolve that first")
    owed = owed_refunds(e.pk).values_list("pk", flat=True).first()
    if owed is not None:
        raise Conflict(f"escrow {e.order_ref} owes the buyer failed refund {owed}: retry it first")


def release(
    actor: Actor | str, order_ref: str, *, rates: fx.RateSource | None = None, on: date | None = None
) -> Escrow:
    """Release what is left in escrow: duty and tax to the jurisdiction, the fee to the hub,
    the rest to the seller's available balance in its currency."""
    with transaction.atomic():
        e = locked(order_ref)
        _check_releasable(e)
        before = snapshot(e)
        r = _release_entry(e, on or timezone.now().date(), rates or fx.default_rates())
        tx_id = ledger.post(r.entry)
        if r.conversion is not None:
            fx.record(tx_id, r.conversion).save()
        e.released_minor += e.remaining_minor
        e.state, e.resolved_at = _state(e), timezone.now()
        save_fields(e, ["released_minor", "state", "resolved_at"])
        audit.record(actor, "payments.escrow_release", e, before=before, after=snapshot(e))
    return e


# what failed refunds owe, asked at every refund: compiled once (the rows, summed here)
_owed = CompiledQuery(lambda escrow_id, retrying: owed_refunds(escrow_id).exclude(pk=retrying).only("amount_minor"))


def refundable_minor(e: Escrow, retrying: int | None = None) -> int:
    """What a new refund may take from the escrow: what is left, less what failed refunds awaiting
    their retry owe the buyer already (their money is back in escrow, but refunding it again
    would pay the buyer twice). `retrying`: the failed refund being retried, which owes itself."""
    owed = sum(r.amount_minor for r in _owed(e.pk, retrying or 0))  # no refund has id 0
    return max(0, e.remaining_minor - owed)


def refund(actor: Actor | str, order_ref: str, amount: Money, reason: str = "", *, retrying: int | None = None):
    """Move part or all of what is left in escrow to the provider's refunds account (money on
    its way back to the buyer); the provider's confirmation moves it out. Returns the Refund.
    `retrying`: the failed refund this one retries (see `refundable_minor`)."""
    with transaction.atomic():
        e = locked(order_ref)
        if amount.currency != e.currency:
            raise ValidationFailed.field("amount", f"must be in the escrow's currency {e.currency}")
        if amount.amount <= 0 or not amount.is_rounded():
            raise ValidationFailed.field(
                "amount", "must be positive and rounded to the currency's minor unit"
            )
        if amount.to_minor() > e.remaining_minor:
            raise Conflict(f"escrow {order_ref} has only {e.money(e.remaining_minor)} left to refund")
        left = refundable_minor(e, retrying)
        if amount.to_minor() > left:
            owed = owed_refunds(e.pk).exclude(pk=retrying).values_list("pk", flat=True).first()
            raise Conflict(f"escrow {order_ref} has only {e.money(left)} left to refund: "
                           f"failed refund {owed} owes the buyer the rest (retry it)")
        before = snapshot(e)
        tx_id = ledger.post(
            Entry("escrow_refund", order_ref)
            .add(accounts.seller_escrow(e.seller_org_id, e.currency), -amount.to_minor())
            .add(accounts.refunds_out(e.provider, e.currency), amount.to_minor())
        )
        e.refunded_minor += amount.to_minor()
        e.state = _state(e)
        e.resolved_at = timezone.now() if e.remaining_minor == 0 else None
        save_fields(e, ["refunded_minor", "state", "resolved_at"])
        r = create(Refund, escrow=e, tx_id=tx_id, amount_minor=amount.to_minor(), currency=e.currency,
                   reason=reason[:200])
        audit.record(actor, "payments.escrow_refund", e, before=before, after=snapshot(e) | {"refund": r.pk})
    return r


def refund_failed(actor: Actor | str, refund_obj) -> Escrow:
    """The provider could not refund: the money returns to escrow (a correcting transaction)."""
    with transaction.atomic():
        e = locked(refund_obj.escrow.order_ref)
        before = snapshot(e)
        # reverses the refund's own transaction, and says so
        ledger.post(
            Entry("refund_failed", e.order_ref, corrects_id=refund_obj.tx_id)
            .add(accounts.refunds_out(e.provider, e.currency), -refund_obj.amount_minor)
            .add(accounts.seller_escrow(e.seller_org_id, e.currency), refund_obj.amount_minor)
        )
        e.refunded_minor -= refund_obj.amount_minor
        e.state, e.resolved_at = _state(e), None
        e.save(update_fields=["refunded_minor", "state", "resolved_at"])
        audit.record(actor, "payments.refund_failed", e, before=before, after=snapshot(e))
    return e


def set_hold(actor: Actor | str, order_ref: str, reason: str) -> Escrow:
    """Open (reason) or close ("") a dispute/return hold; an open hold blocks release."""
    if len(reason) > 200:
        raise ValidationFailed.field("reason", "at most 200 characters")
    with transaction.atomic():
        e = locked(order_ref)
        before = snapshot(e)
        e.hold_reason = reason.strip()
        save_fields(e, ["hold_reason"])
        audit.record(actor, "payments.escrow_hold_reason", e, before=before, after=snapshot(e))
    return e


def mark_delivered(actor: Actor | str, order_ref: str, at: datetime | None = None) -> Escrow:
    with transaction.atomic():
        e = locked(order_ref)
        if e.delivered_at is None:
            e.delivered_at = at or timezone.now()
            save_fields(e, ["delivered_at"])
            audit.record(actor, "payments.escrow_delivered", e, after={"delivered_at": e.delivered_at})
    return e


def mark_delivered_many(actor: Actor | str, deliveries: list[tuple[str, datetime | None]]) -> list[Escrow | None]:
    """`mark_delivered` of each (order ref, at) in turn, in one transaction: the escrows locked in
    one query (id order), the countdowns written in one statement, the audit entries in the same
    order. An order without escrow gives None in its place (`mark_delivered` raises NotFound)."""
    with transaction.atomic():
        refs = sorted({ref for ref, _ in deliveries})
        found: dict[str, Escrow] = {}
        for part in chunks(refs):  # SQLite's bound-parameter limit
            # what a countdown reads and writes (the rest loads if a caller reads it)
            found.update((e.order_ref, e) for e in Escrow.objects.select_for_update()
                         .filter(order_ref__in=part).only("order_ref", "delivered_at").order_by("pk"))
        started: list[Escrow] = []
        for ref, at in deliveries:
            e = found.get(ref)
            if e is not None and e.delivered_at is None:  # a repeat of the ref finds it started
                e.delivered_at = at or timezone.now()
                started.append(e)
        save_many(started, ["delivered_at"])
        for e in started:
            audit.record(actor, "payments.escrow_delivered", e, after={"delivered_at": e.delivered_at})
    return [found.get(ref) for ref, _ in deliveries]


def release_due(
    actor: Actor | str,
    now: datetime | None = None,
    *,
    rates: fx.RateSource | None = None,
    limit: int = 10_000,
) -> list[str]:
    """The scheduled auto-release: every open escrow delivered at least N days ago (hub setting)
    with no open hold, released in one batch. Running it twice releases nothing twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EWTP_PAYMENTS_ESCROW_HOLD_DAYS)
    rates = rates or fx.default_rates()
    with transaction.atomic():
        due = list(
            Escrow.objects.select_for_update()
            .filter(~Exists(owed_refunds().filter(escrow_id=OuterRef("pk"))),
                    state__in=Escrow.OPEN, hold_reason="", delivered_at__lte=cutoff)
            .order_by("id")[:limit]
        )
        if not due:
            return []
        with accounts.memoised():
            accounts.preload_for(due, accounts.RELEASE)
            releases = [_release_entry(e, now.date(), rates) for e in due]
        tx_ids = ledger.post_batch([r.entry for r in releases])
        # the same rows as bulk_create, through the statement made once per row count
        for part in chunks([fx.record(t, r.conversion) for t, r in zip(tx_ids, releases, strict=True) if r.conversion],
                           100):
            insert(part)
        for e in due:
            e.released_minor += e.remaining_minor
            e.state, e.resolved_at = _state(e), now
        # one prepared UPDATE per row: Django's bulk_update builds CASE expressions that cost
        # more than the whole ledger batch
        with connection.cursor() as cur:
            cur.executemany(
                "UPDATE payments_escrow SET released_minor = %s, state = %s, resolved_at = %s WHERE id = %s",
                [
                    (e.released_minor, e.state, connection.ops.adapt_datetimefield_value(now), e.pk)
                    for e in due
                ],
            )
        refs = [e.order_ref for e in due]
        audit.record(
            actor,
            "payments.escrow_auto_release",
            object_type="payments.escrow",
            object_id="batch",
            after={"released": refs, "cutoff": cutoff},
        )
    return refs
