"""Handling the provider's events (called by webhooks.receive inside its transaction, once per
event id): a payment's authorisation, decline, capture (the money into escrow) or void, a refund's
and a payout's outcome.

A payment event is decided first (`decide`: the checks and what it changes, nothing read but the
payment and nothing written), then applied; the batch form (event_batch.py) applies the same
decisions to many events at once, so both forms refuse and change exactly the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from ewtp.core import audit
from ewtp.core.compiled import CompiledQuery, save_fields
from ewtp.core.currencies import get_currency
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import MAX_AMOUNT, Money
from ewtp.payments import accounts, escrow, ledger, payouts
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Escrow, Payment, Payout, Refund
from ewtp.payments.providers import get_provider
from ewtp.payments.providers.base import ProviderError

ABANDONED = "abandoned: order cancelled before authorisation"  # a payment's decline_reason (services.abandon_payment)
PAYMENT_EVENTS = {
    "payment.authorised": Payment.AUTHORISED,
    "payment.declined": Payment.DECLINED,
    "payment.captured": Payment.CAPTURED,
    "payment.voided": Payment.VOIDED,
}
_MAX_MINOR: dict[int, int] = {}  # minor units of the largest amount Money takes, per minor unit
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


@dataclass(frozen=True)
class Step:
    """What a payment event does, decided before anything is written. `before`: the state the
    payment moves from ("" when it does not move); `hold`: the escrow a capture opens (unsaved);
    `late_void`: an authorisation of an abandoned payment, to be voided at the provider."""

    outcome: str
    before: str = ""
    hold: Escrow | None = None
    late_void: bool = False


def _same_amount(data: dict, expected: tuple[int, str], what: str) -> None:
    """The event's amount is the record's: an integer, as sent (not "12.5", null, a list or 3000.9 —
    int() would take or half-take those, or fail with a 500), in its currency."""
    amount = data.get("amount_minor")
    if type(amount) is not int or (amount, data.get("currency")) != expected:
        raise ValidationFailed.field("amount_minor", f"does not match the {what}")


def decide(p: Payment | None, target: str, data: dict) -> Step:
    """The checks of a payment event on its (locked) payment; raises what the event is refused with."""
    if p is None:
        raise NotFound("event for an unknown payment")
    _same_amount(data, (p.amount_minor, p.currency), "payment")
    if p.state == target:
        return Step(f"payment already {target}")
    if target == Payment.AUTHORISED and p.state == Payment.VOIDED and p.decline_reason == ABANDONED:
        return Step("", late_void=True)
    if RANK[target] <= RANK[p.state]:
        # a late event (webhooks may arrive out of order): the provider's later answer stands
        return Step(f"stale {target}: payment is {p.state}")
    hold = _hold_of(p) if target == Payment.CAPTURED else None
    return Step(f"payment {p.state} -> {target}", before=p.state, hold=hold)


def _hold_of(p: Payment) -> Escrow:
    """The escrow a capture of `p` opens: `escrow.new_hold` of the payment's amounts. They are
    minor units already, so when every check of `new_hold` passes on the integers (a known
    currency, amounts in range, positive, duty + tax + fee within the amount) the escrow is made
    from them directly, without a Money of each to round and check; otherwise `new_hold` itself,
    which refuses with its own error."""
    mu = get_currency(p.currency).minor_unit  # an unknown code: refused here, as by Money
    held, duty, tax, fee = p.amount_minor, p.duty_minor, p.tax_minor, p.fee_minor
    limit = _MAX_MINOR.get(mu) or _MAX_MINOR.setdefault(mu, int(MAX_AMOUNT.scaleb(mu)))
    if (type(held) is type(duty) is type(tax) is type(fee) is int and 0 < held < limit
            and 0 <= duty < limit and 0 <= tax < limit and 0 <= fee < limit and duty + tax + fee <= held
            and p.order_ref and len(p.order_ref) <= 120):
        return Escrow(order_ref=p.order_ref, seller_org_id=p.seller_org_id, buyer_user_id=p.buyer_user_id,
                      currency=p.currency, seller_currency=p.seller_currency, jurisdiction=p.jurisdiction,
                      provider=p.provider, held_minor=held, duty_minor=duty, tax_minor=tax, fee_minor=fee)
    return escrow.new_hold(
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


def move(p: Payment, target: str, data: dict) -> None:
    """The payment's new state (in memory), as a decided step moves it."""
    p.state = target
    if target == Payment.DECLINED:
        p.decline_reason = str(data.get("reason", ""))[:120]


def void_late(actor: str, p: Payment) -> str:
    """Abandoned here while the buyer's authorisation was on its way: release the card's hold
    (once: a later copy finds the provider's record voided already)."""
    try:
        get_provider(p.provider).void(p)
    except ProviderError:
        return "late authorisation of an abandoned payment: already voided at the provider"
    audit.record(actor, "payments.void_requested", p, after={"reason": "authorised after it was abandoned"})
    return "late authorisation of an abandoned payment: void requested"


def _payment_event(actor: str, target: str, data: dict) -> str:
    p = _payment_by_ref.first(str(data.get("provider_ref", "")))
    step = decide(p, target, data)
    if step.late_void:
        return void_late(actor, p)
    if not step.before:
        return step.outcome
    move(p, target, data)
    save_fields(p, ["state", "decline_reason", "updated_at"])
    if step.hold is not None:
        escrow.open_hold(actor, step.hold)
    # audited after the ledger: every transaction takes the audit chain's head lock last, after
    # the account rows, so two services can never wait on each other in a cycle
    audit.record(actor, f"payments.payment_{target}", p, before={"state": step.before}, after={"state": target})
    return step.outcome


# as .first(); tx may be null (outer join); asked at every refund's event: compiled once
_refund_locked = CompiledQuery(lambda pk: Refund.objects.select_for_update(of=("self", "escrow"))
                               .select_related("escrow", "tx").filter(pk=pk).order_by("pk")[:1])


def refund_id(data: dict) -> int:
    """The refund an event names (its `reference` "refund:<id>"), or -1 (no refund has it)."""
    ref = str(data.get("reference", ""))
    return int(ref.split(":", 1)[1]) if ref.startswith("refund:") and ref[7:].isdigit() else -1


def refund_moves(r: Refund | None, target: str, data: dict) -> bool:
    """The checks of a refund's outcome on its (locked) refund: False when it has that outcome
    already; raises what the event is refused with."""
    if r is None:
        raise NotFound("event for an unknown refund")
    _same_amount(data, (r.amount_minor, r.currency), "refund")
    if r.state == target:
        return False
    if r.state != Refund.REQUESTED:
        raise Conflict(f"refund {r.pk} is already {r.state}")
    return True


def refund_out_entry(r: Refund) -> Entry:
    """A refund the provider paid: out of the hub's books, through the provider's clearing."""
    return (
        Entry("refund_out", f"refund:{r.pk}")
        .add(accounts.refunds_out(r.escrow.provider, r.currency), -r.amount_minor)
        .add(accounts.clearing(r.escrow.provider, r.currency), r.amount_minor)
    )


def audit_refund(actor: str, r: Refund, target: str) -> None:
    audit.record(
        actor, f"payments.refund_{target}", r, before={"state": Refund.REQUESTED}, after={"state": target}
    )


def _refund_event(actor: str, succeeded: bool, data: dict) -> str:
    r = _refund_locked.first(refund_id(data))
    target = Refund.SUCCEEDED if succeeded else Refund.FAILED
    if not refund_moves(r, target, data):
        return f"refund already {target}"
    if succeeded:
        ledger.post(refund_out_entry(r))
    elif r.tx is not None and r.tx.kind != "escrow_refund":
        from ewtp.payments import adjustments  # a return or claim refund booked outside escrow

        adjustments.refund_failed(actor, r)
    else:
        escrow.refund_failed(actor, r)
    r.state = target
    save_fields(r, ["state"])
    audit_refund(actor, r, target)
    return f"refund {r.pk} {target}"


def payout_id(data: dict) -> int:
    """The payout an event names (its `reference` "payout:<id>"); NotFound when it names none."""
    ref = str(data.get("reference", ""))
    if not (ref.startswith("payout:") and ref[7:].isdigit()):
        raise NotFound("event for an unknown payout")
    return int(ref[7:])


def payout_checked(expected: tuple[int, str] | None, data: dict) -> None:
    """The payout exists and the event's amount is its own."""
    if expected is None:
        raise NotFound("event for an unknown payout")
    _same_amount(data, expected, "payout")


def _payout_event(actor: str, paid: bool, data: dict) -> str:
    pk = payout_id(data)
    payout_checked(Payout.objects.filter(pk=pk).values_list("amount_minor", "currency").first(), data)
    p = payouts.settle(actor, pk, paid=paid, reason=str(data.get("reason", "")))
    return f"payout {p.pk} {p.state}"


def handle_event(provider: str, event_type: str, data: dict) -> str:
    actor = f"provider:{provider}"
    target = PAYMENT_EVENTS.get(event_type)
    if target is not None:
        return _payment_event(actor, target, data)
    handlers = {
        "refund.succeeded": lambda: _refund_event(actor, True, data),
        "refund.failed": lambda: _refund_event(actor, False, data),
        "payout.paid": lambda: _payout_event(actor, True, data),
        "payout.failed": lambda: _payout_event(actor, False, data),
    }
    handler = handlers.get(event_type)
    if handler is None:
        return f"ignored: unknown event type {event_type[:40]}"
    return handler()
