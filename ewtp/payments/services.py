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
from ewtp.core.compiled import CompiledQuery, save_fields
from ewtp.core.currencies import get_currency
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.orm import unique
from ewtp.payments import escrow, fees, payouts
from ewtp.payments.models import Escrow, Payment, Payout, Refund
from ewtp.payments.providers import get_provider
from ewtp.payments.providers.base import ProviderError


def _check_amount(name: str, value: Money | None, currency: str, *, positive: bool = False) -> int:
    if value is None:
        return 0
    if value.currency != currency:
        raise ValidationFailed.field(name, f"must be in {currency}")
    if value.is_negative() or (positive and not value.amount) or not value.is_rounded():
        raise ValidationFailed.field(
            name, f"must be {'positive' if positive else '>= 0'} and rounded to {currency} minor units"
        )
    return value.to_minor()


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
    total, duty_m, tax_m, fee_m = figures
    cur = s.amount.currency
    adapter = get_provider(s.provider)
    if existing is not None:
        if (existing.amount_minor, existing.currency) != (total, cur):
            raise Conflict(f"order {s.order_ref} already has a payment of {existing.amount}")
        return existing
    try:
        with transaction.atomic():  # a savepoint: a racing twin's insert must not spoil our transaction
            p = Payment.objects.create(
                order_ref=s.order_ref,
                provider=s.provider,
                buyer_user_id=s.buyer_user_id,
                seller_org_id=s.seller_org_id,
                currency=cur,
                amount_minor=total,
                seller_currency=s.seller_currency,
                jurisdiction=s.jurisdiction,
                duty_minor=duty_m,
                tax_minor=tax_m,
                fee_minor=fee_m,
            )
    except IntegrityError:
        raise Conflict(f"order {s.order_ref} is being paid by a concurrent request; retry") from None
    p.provider_ref = adapter.create_payment(p)
    save_fields(p, ["provider_ref"])
    audit.record(
        s.actor,
        "payments.payment_start",
        p,
        after={"amount": str(p.amount), "fee": fee_m, "duty": duty_m, "tax": tax_m},
    )
    if s.card_number is not None:
        authorise_locked(s.actor, p, s.card_number)  # the row just made, in hand
    return p


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
    if p.state != Payment.AUTHORISED:
        raise Conflict(f"payment {p.order_ref} is {p.state}; only an authorised payment can be captured")
    get_provider(p.provider).capture(p)
    audit.record(actor, "payments.capture_requested", p)


def void_payment(actor: Actor | str, order_ref: str) -> Payment:
    with transaction.atomic():
        p = _payment(order_ref)
        if p.state != Payment.AUTHORISED:
            raise Conflict(f"payment {order_ref} is {p.state}; only an authorised payment can be voided")
        get_provider(p.provider).void(p)
        audit.record(actor, "payments.void_requested", p)
    return p


ABANDONED = "abandoned: order cancelled before authorisation"


def abandon_payment(actor: Actor | str, order_ref: str) -> Payment:
    """A payment not yet authorised whose order is gone (cancelled): voided here, so it can no
    longer be authorised. An authorisation the provider reports afterwards (the buyer's request was
    already on its way) is voided at the provider when it arrives (`_payment_event`)."""
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
        r.save(update_fields=["provider_ref"])
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


# ---- provider events (called by webhooks.receive inside its transaction) -------------------

RANK = {
    Payment.CREATED: 0,
    Payment.AUTHORISED: 1,
    Payment.CAPTURED: 2,
    Payment.DECLINED: 2,
    Payment.VOIDED: 2,
}


# as .first(): the first by primary key (provider_ref is indexed, not unique); compiled once
_payment_by_ref = CompiledQuery(lambda ref: Payment.objects.select_for_update().filter(provider_ref=ref)
                                .order_by("pk")[:1], texts=(0,))


def _payment_event(actor: str, target: str, data: dict) -> str:
    p = _payment_by_ref.first(str(data.get("provider_ref", "")))
    if p is None:
        raise NotFound("event for an unknown payment")
    if (int(data.get("amount_minor", -1)), data.get("currency")) != (p.amount_minor, p.currency):
        raise ValidationFailed.field("amount_minor", "does not match the payment")
    if p.state == target:
        return f"payment already {target}"
    if target == Payment.AUTHORISED and p.state == Payment.VOIDED and p.decline_reason == ABANDONED:
        # abandoned here while the buyer's authorisation was on its way: release the card's hold
        # (once: a later copy finds the provider's record voided already)
        try:
            get_provider(p.provider).void(p)
        except ProviderError:
            return "late authorisation of an abandoned payment: already voided at the provider"
        audit.record(actor, "payments.void_requested", p, after={"reason": "authorised after it was abandoned"})
        return "late authorisation of an abandoned payment: void requested"
    if RANK[target] <= RANK[p.state]:
        # a late event (webhooks may arrive out of order): the provider's later answer stands
        return f"stale {target}: payment is {p.state}"
    before = p.state
    p.state = target
    if target == Payment.DECLINED:
        p.decline_reason = str(data.get("reason", ""))[:120]
    save_fields(p, ["state", "decline_reason", "updated_at"])
    if target == Payment.CAPTURED:
        escrow.hold(
            actor,
            order_ref=p.order_ref,
            seller_org_id=p.seller_org_id,
            amount=p.amount,
            seller_currency=p.seller_currency,
            provider=p.provider,
            buyer_user_id=p.buyer_user_id,
            jurisdiction=p.jurisdiction,
            duty=Money.from_minor(p.duty_minor, p.currency),
            tax=Money.from_minor(p.tax_minor, p.currency),
            fee=Money.from_minor(p.fee_minor, p.currency),
        )
    # audited after the ledger: every transaction takes the audit chain's head lock last, after
    # the account rows, so two services can never wait on each other in a cycle
    audit.record(actor, f"payments.payment_{target}", p, before={"state": before}, after={"state": target})
    return f"payment {before} -> {target}"


def _refund_event(actor: str, succeeded: bool, data: dict) -> str:
    from ewtp.payments import accounts, ledger
    from ewtp.payments.ledger import Entry

    ref = str(data.get("reference", ""))
    r = (
        Refund.objects.select_for_update(of=("self", "escrow"))  # as before; tx may be null (outer join)
        .select_related("escrow", "tx")
        .filter(pk=int(ref.split(":", 1)[1]) if ref.startswith("refund:") and ref[7:].isdigit() else -1)
        .first()
    )
    if r is None:
        raise NotFound("event for an unknown refund")
    if (int(data.get("amount_minor", -1)), data.get("currency")) != (r.amount_minor, r.currency):
        raise ValidationFailed.field("amount_minor", "does not match the refund")
    target = Refund.SUCCEEDED if succeeded else Refund.FAILED
    if r.state == target:
        return f"refund already {target}"
    if r.state != Refund.REQUESTED:
        raise Conflict(f"refund {r.pk} is already {r.state}")
    if succeeded:
        ledger.post(
            Entry("refund_out", f"refund:{r.pk}")
            .add(accounts.refunds_out(r.escrow.provider, r.currency), -r.amount_minor)
            .add(accounts.clearing(r.escrow.provider, r.currency), r.amount_minor)
        )
    elif r.tx is not None and r.tx.kind != "escrow_refund":
        from ewtp.payments import adjustments  # a return or claim refund booked outside escrow

        adjustments.refund_failed(actor, r)
    else:
        escrow.refund_failed(actor, r)
    r.state = target
    r.save(update_fields=["state"])
    audit.record(
        actor, f"payments.refund_{target}", r, before={"state": Refund.REQUESTED}, after={"state": target}
    )
    return f"refund {r.pk} {target}"


def _payout_event(actor: str, paid: bool, data: dict) -> str:
    ref = str(data.get("reference", ""))
    if not (ref.startswith("payout:") and ref[7:].isdigit()):
        raise NotFound("event for an unknown payout")
    expected = Payout.objects.filter(pk=int(ref[7:])).values_list("amount_minor", "currency").first()
    if expected is None:
        raise NotFound("event for an unknown payout")
    if (int(data.get("amount_minor", -1)), data.get("currency")) != expected:
        raise ValidationFailed.field("amount_minor", "does not match the payout")
    p = payouts.settle(actor, int(ref[7:]), paid=paid, reason=str(data.get("reason", "")))
    return f"payout {p.pk} {p.state}"


def handle_event(provider: str, event_type: str, data: dict) -> str:
    actor = f"provider:{provider}"
    handlers = {
        "payment.authorised": lambda: _payment_event(actor, Payment.AUTHORISED, data),
        "payment.declined": lambda: _payment_event(actor, Payment.DECLINED, data),
        "payment.captured": lambda: _payment_event(actor, Payment.CAPTURED, data),
        "payment.voided": lambda: _payment_event(actor, Payment.VOIDED, data),
        "refund.succeeded": lambda: _refund_event(actor, True, data),
        "refund.failed": lambda: _refund_event(actor, False, data),
        "payout.paid": lambda: _payout_event(actor, True, data),
        "payout.failed": lambda: _payout_event(actor, False, data),
    }
    handler = handlers.get(event_type)
    if handler is None:
        return f"ignored: unknown event type {event_type[:40]}"
    return handler()


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
