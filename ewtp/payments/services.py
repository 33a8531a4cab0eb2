"""Payment use cases — the interface the marketplace calls with a seller order reference and
amounts. Each changes state in one transaction and writes an audit entry.

Flow: start_payment (create + authorise at the provider) -> [webhook payment.authorised] ->
capture_payment -> [webhook payment.captured: money into escrow] -> release (or the scheduled
auto-release) / request_refund -> [webhook refund.succeeded|failed] ; run_payouts ->
[webhook payout.paid|failed].

The sandbox provider keeps its books in the hub's database, so its calls run inside the
service's transaction; a networked provider's adapter would be called after the commit
(with the payment's id as its idempotency key), which the webhook design already allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import insert, save_fields
from ewtp.core.currencies import get_currency
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import unique
from ewtp.payments import escrow, fees, payouts
from ewtp.payments.events import ABANDONED, handle_event
from ewtp.payments.models import Escrow, Payment, Payout, Refund
from ewtp.payments.providers import get_provider


def _check_amount(name: str, value: Money | None, currency: str, *, positive: bool = False) -> int:
    if value is None:
        return 0
    if value.currency != currency:
        raise ValidationFailed.field(name, f"must be in {currency}")
    amount, places = value.amount, get_currency(currency).minor_unit
    # no digit below the minor unit (nearly every amount, "20.00"): rounded, and its minor units
    # are the digits shifted, without rounding a copy to compare; else Money's own checks
    exact = amount.as_tuple().exponent >= -places
    if amount < 0 or (positive and not amount) or not (exact or value.is_rounded()):
        raise ValidationFailed.field(
            name, f"must be {'positive' if positive else '>= 0'} and rounded to {currency} minor units"
        )
    return int(amount.scaleb(places)) if exact else value.to_minor()


def start_payment(
    actor: Actor | str,
    *,
    order_ref: str,
    amount: Money,
    seller_org_id: int,
    seller_currency: str,
    card_number: str | None = None,
    buyer_user_id: int | None = None,
    jurisdiction: str = "",
    duty: Money | None = None,
    tax: Money | None = None,
    fee: Money | None = None,
    provider: str = "sandbox",
) -> Payment:
    """Open the payment of one seller order (and authorise it if a card is given). `amount` is everything the buyer
    pays for it (goods, shipping, duty and tax collected now); the fee, unless frozen by the
    caller, is computed now on amount - duty - tax and frozen. Same order again -> same payment."""
    return start(Start(actor, order_ref, amount, seller_org_id, seller_currency, card_number, buyer_user_id,
                       jurisdiction, duty, tax, fee, provider))


def start(s: Start) -> Payment:
    """`start_payment` of a `Start`."""
    figures = start_figures(s)
    with transaction.atomic():
        existing = unique(Payment.objects.select_for_update().filter(order_ref=s.order_ref))
        return open_payment(s, figures, existing)


@dataclass(frozen=True)
class Start:
    """What `start_payment` is given (a batch passes a list of them: `payments.batches`)."""

    actor: Actor | str
    order_ref: str
    amount: Money
    seller_org_id: int
    seller_currency: str
    card_number: str | None = None
    buyer_user_id: int | None = None
    jurisdiction: str = ""
    duty: Money | None = None
    tax: Money | None = None
    fee: Money | None = None
    provider: str = "sandbox"


def start_figures(s: Start) -> tuple[int, int, int, int]:
    """The checked amounts in minor units: (total, duty, tax, fee)."""
    if not s.order_ref or len(s.order_ref) > 120:
        raise ValidationFailed.field("order_ref", "required, at most 120 characters")
    try:
        get_currency(s.seller_currency)
    except ValueError:
        raise ValidationFailed.field("seller_currency", "unknown ISO 4217 code") from None
    cur = s.amount.currency
    total = _check_amount("amount", s.amount, cur, positive=True)
    duty_m, tax_m = _check_amount("duty", s.duty, cur), _check_amount("tax", s.tax, cur)
    if duty_m + tax_m > total:
        raise ValidationFailed.field("amount", "is less than duty + tax")
    fee_m = (
        _check_amount("fee", s.fee, cur)
        if s.fee is not None
        else fees.fee_for(Money.from_minor(total - duty_m - tax_m, cur)).to_minor()
    )
    if duty_m + tax_m + fee_m > total:
        raise ValidationFailed.field("fee", "duty + tax + fee exceed the amount")
    return total, duty_m, tax_m, fee_m


def open_payment(s: Start, figures: tuple[int, int, int, int], existing: Payment | None) -> Payment:
    """`start_payment` once its figures are checked and the order's payment (if any) is read and
    locked (inside the caller's transaction)."""
    adapter = get_provider(s.provider)
    if existing is not None:
        return kept_payment(s, figures, existing)
    try:
        with transaction.atomic():  # a savepoint: a racing twin's insert must not spoil our transaction
            p = insert([new_payment(s, figures)])[0]
    except IntegrityError:
        raise Conflict(f"order {s.order_ref} is being paid by a concurrent request; retry") from None
    p.provider_ref = adapter.create_payment(p)
    save_fields(p, ["provider_ref"])
    audit_start(s, p)
    if s.card_number is not None:
        authorise_locked(s.actor, p, s.card_number)  # the row just made, in hand
    return p


def kept_payment(s: Start, figures: tuple[int, int, int, int], existing: Payment) -> Payment:
    """Starting an order's payment again: the existing one if it is for the same amount, else Conflict."""
    if (existing.amount_minor, existing.currency) != (figures[0], s.amount.currency):
        raise Conflict(f"order {s.order_ref} already has a payment of {existing.amount}")
    return existing


def new_payment(s: Start, figures: tuple[int, int, int, int]) -> Payment:
    """The payment row `start_payment` opens (unsaved)."""
    total, duty_m, tax_m, fee_m = figures
    return Payment(
        order_ref=s.order_ref,
        provider=s.provider,
        buyer_user_id=s.buyer_user_id,
        seller_org_id=s.seller_org_id,
        currency=s.amount.currency,
        amount_minor=total,
        seller_currency=s.seller_currency,
        jurisdiction=s.jurisdiction,
        duty_minor=duty_m,
        tax_minor=tax_m,
        fee_minor=fee_m,
    )


def audit_start(s: Start, p: Payment) -> None:
    audit.record(s.actor, "payments.payment_start", p,
                 after={"amount": str(p.amount), "fee": p.fee_minor, "duty": p.duty_minor, "tax": p.tax_minor})


def authorise_payment(actor: Actor | str, order_ref: str, card_number: str) -> Payment:
    """The buyer's payment step: the provider answers authorised or declined (webhook)."""
    with transaction.atomic():
        p = _payment(order_ref)
        authorise_locked(actor, p, card_number)
    return p


def authorise_locked(actor: Actor | str, p: Payment, card_number: str) -> None:
    """`authorise_payment` of a payment read and locked by the caller (inside its transaction)."""
    if p.state != Payment.CREATED:
        raise Conflict(f"payment {p.order_ref} is {p.state}; it can be authorised only once")
    get_provider(p.provider).authorise(p, card_number)
    audit.record(actor, "payments.authorise_requested", p)


def _payment(order_ref: str) -> Payment:
    p = unique(Payment.objects.select_for_update().filter(order_ref=order_ref))
    if p is None:
        raise NotFound(f"no payment for order {order_ref!r}")
    return p


def capture_payment(actor: Actor | str, order_ref: str) -> Payment:
    """Ask the provider to capture; the money enters escrow when it confirms (webhook)."""
    with transaction.atomic():
        p = _payment(order_ref)
        capture_locked(actor, p)
    return p


def capture_locked(actor: Actor | str, p: Payment) -> None:
    """`capture_payment` of a payment read and locked by the caller (inside its transaction)."""
    check_capturable(p)
    get_provider(p.provider).capture(p)
    audit.record(actor, "payments.capture_requested", p)


def check_capturable(p: Payment) -> None:
    if p.state != Payment.AUTHORISED:
        raise Conflict(f"payment {p.order_ref} is {p.state}; only an authorised payment can be captured")


def void_payment(actor: Actor | str, order_ref: str) -> Payment:
    with transaction.atomic():
        p = _payment(order_ref)
        if p.state != Payment.AUTHORISED:
            raise Conflict(f"payment {order_ref} is {p.state}; only an authorised payment can be voided")
        get_provider(p.provider).void(p)
        audit.record(actor, "payments.void_requested", p)
    return p


def abandon_payment(actor: Actor | str, order_ref: str) -> Payment:
    """A payment not yet authorised whose order is gone (cancelled): voided here, so it can no
    longer be authorised. An authorisation the provider reports afterwards (the buyer's request was
    already on its way) is voided at the provider when it arrives (`events.void_late`)."""
    with transaction.atomic():
        p = _payment(order_ref)
        if p.state != Payment.CREATED:
            raise Conflict(f"payment {order_ref} is {p.state}; only a payment not yet authorised can be abandoned")
        p.state, p.decline_reason = Payment.VOIDED, ABANDONED
        p.save(update_fields=["state", "decline_reason", "updated_at"])
        audit.record(actor, "payments.payment_abandoned", p, before={"state": Payment.CREATED},
                     after={"state": Payment.VOIDED})
    return p


def request_refund(actor: Actor | str, order_ref: str, amount: Money, reason: str = "") -> Refund:
    """Refund part or all of what is still in escrow; the provider confirms by webhook."""
    with transaction.atomic():
        r = escrow.refund(actor, order_ref, amount, reason)
        r.provider_ref = get_provider(r.escrow.provider).refund(r)
        save_fields(r, ["provider_ref"])
    return r


def run_payouts(
    actor: Actor | str, provider: str = "sandbox", *, seller_org_id: int | None = None
) -> list[Payout]:
    """The scheduled payout run: one payout per seller and currency, then ask the provider."""
    adapter = get_provider(provider)
    with transaction.atomic():
        batch = payouts.create_batch(actor, provider, seller_org_id=seller_org_id)
        for p in batch:
            p.provider_ref = adapter.payout(p)
        Payout.objects.bulk_update(batch, ["provider_ref"])
    return batch


__all__ = [
    "Escrow",
    "start_payment",
    "abandon_payment",
    "authorise_payment",
    "capture_payment",
    "void_payment",
    "request_refund",
    "run_payouts",
    "handle_event",
]
