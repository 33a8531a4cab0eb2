"""Money moved after the sale by logistics: a returned order's refund and a loss or damage
claim's payment. Each is one balanced ledger transaction through `ewtp.payments.ledger`.

Return refund (`refund_return`):
- escrow still holds the money -> the rest of the escrow goes back to the buyer
  (`services.request_refund`); duty and tax go back with it unless they were remitted at
  clearance, in which case the hub has to reclaim them from the authority, and says so;
- escrow already released -> what the buyer paid for goods and shipping (held - duty - tax -
  earlier refunds) comes back out of the seller's available balance, converted from the
  seller's currency when it differs (the seller bears the FX margin of the conversion it
  caused). Duty and tax already sit with the authority: the hub has to reclaim them, and says so.
  `InsufficientFunds` (409) when the seller's balance is too low (e.g. already paid out).

Claim payment (`pay_claim`): the carrier's liability pays first, at most its cap
(liability_per_kg x weight, in the carrier's currency), booked as a carrier receivable (what
the carrier owes the hub); the rest comes from the hub's own claims account. The claimant is
paid in the claim's currency: a buyer through the payment provider (a refund of its order),
a seller into its available balance.

In both cases money to a buyer goes through the provider's refunds account and a `Refund`
record the provider confirms by webhook, like every other refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.money import Money
from ewtp.payments import accounts, escrow, fx, ledger, services
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Account, Escrow, Kind, Owner, Payment, Refund
from ewtp.payments.providers import get_provider

ESCROW, SELLER_BALANCE = "escrow", "seller_balance"
# duty/tax refund status of a return, recorded on the return (and the declaration)
DUTY_TAX_NONE, DUTY_TAX_REFUNDED, DUTY_TAX_TO_RECLAIM = "none", "refunded_with_escrow", "to_reclaim_from_authority"


def carrier_receivable(carrier_code: str, currency: str) -> Account:
    return accounts.account(Owner.CARRIER, carrier_code, Kind.CARRIER_RECEIVABLE, currency)


def hub_claims(currency: str) -> Account:
    return accounts.account(Owner.HUB, accounts.HUB, Kind.HUB_CLAIMS, currency)


@dataclass(frozen=True)
class ReturnRefund:
    source: str  # ESCROW or SELLER_BALANCE
    amount: Money  # to the buyer, in the currency paid
    duty_tax: str
    refund_id: int
    tx_id: int


def _to_buyer(actor: Actor | str, e: Escrow, tx_id: int, minor: int, reason: str) -> Refund:
    """A refund record for money already moved into the provider's refunds account; the
    provider pays the buyer and confirms by webhook."""
    r = Refund.objects.create(escrow=e, tx_id=tx_id, amount_minor=minor, currency=e.currency, reason=reason[:200])
    r.provider_ref = get_provider(e.provider).refund(r)
    r.save(update_fields=["provider_ref"])
    audit.record(actor, "payments.adjustment_refund", r, after={"amount": minor, "currency": e.currency})
    return r


def _add_converted(entry: Entry, source: Account, target_amount: Money, on: date, rates: fx.RateSource,
                   *, charge_margin: bool) -> fx.Conversion | None:
    """Take `target_amount` (in another currency) out of `source` through FX liquidity: the source
    pays the reference-rate equivalent (plus the hub's margin if `charge_margin`)."""
    if source.currency == target_amount.currency:
        entry.add(source, -target_amount.to_minor())
        return None
    conv = fx.convert(target_amount, source.currency, on, rates, None if charge_margin else Decimal(0))
    entry.add(source, -(conv.gross + conv.margin).to_minor())
    entry.add(accounts.fx_liquidity(source.currency), conv.gross.to_minor())
    fx.add_legs(entry, accounts.fx_margin(source.currency), conv.margin.to_minor())
    entry.add(accounts.fx_liquidity(target_amount.currency), -target_amount.to_minor())
    return conv


# as .first() (the first by id), asked at every return refund: compiled once
_frozen_duty_tax = CompiledQuery(lambda ref: Payment.objects.filter(order_ref=ref).order_by("pk")
                                 .only("duty_minor", "tax_minor")[:1], texts=(0,))


def _duty_tax_paid(e: Escrow) -> int:
    """The duty and tax the buyer paid with the order, in minor units: frozen on its Payment (the
    escrow's own figures drop to 0 once they are remitted at clearance)."""
    p = _frozen_duty_tax.first(e.order_ref)
    return p.duty_minor + p.tax_minor if p is not None else e.duty_minor + e.tax_minor


def refund_return(actor: Actor | str, order_ref: str, reference: str, reason: str = "returned", *,
                  rates: fx.RateSource | None = None, on: date | None = None) -> ReturnRefund:
    with transaction.atomic():
        e = escrow.locked(order_ref)
        paid = _duty_tax_paid(e)
        remitted = paid - (e.duty_minor + e.tax_minor)  # already with the authority (at clearance)
        if e.remaining_minor > 0:
            left = escrow.refundable_minor(e)  # less what failed refunds awaiting their retry owe already
            if left == 0:
                raise Conflict(f"order {order_ref}: what is left in escrow is owed by a failed refund (retry it)")
            r = services.request_refund(actor, order_ref, e.money(left), reason)
            duty_tax = DUTY_TAX_TO_RECLAIM if remitted else DUTY_TAX_REFUNDED if paid else DUTY_TAX_NONE
            return ReturnRefund(ESCROW, r.amount, duty_tax, r.pk, r.tx_id)
        minor = e.held_minor - paid - e.refunded_minor
        if minor <= 0:
            raise Conflict(f"order {order_ref} has nothing left to refund")
        amount = e.money(minor)
        entry = Entry("return_refund", reference)
        conv = _add_converted(entry, accounts.seller_available(e.seller_org_id, e.seller_currency), amount,
                              on or timezone.now().date(), rates or fx.default_rates(), charge_margin=True)
        entry.add(accounts.refunds_out(e.provider, e.currency), minor)
        tx_id = ledger.post(entry)
        if conv is not None:
            fx.record(tx_id, conv).save()
        r = _to_buyer(actor, e, tx_id, minor, reason)
        duty_tax = DUTY_TAX_TO_RECLAIM if paid else DUTY_TAX_NONE
        return ReturnRefund(SELLER_BALANCE, amount, duty_tax, r.pk, tx_id)


@dataclass(frozen=True)
class ClaimPayment:
    tx_id: int
    carrier_part: Money  # in the claim's currency
    carrier_owes: Money | None  # the same in the carrier's currency (what it owes the hub)
    hub_part: Money
    refund_id: int | None


def carrier_share(amount: Money, cap: Money, on: date, rates: fx.RateSource) -> Money:
    """The part of a claim the carrier's liability covers: at most its cap, converted at the
    reference rate and rounded down so the carrier is never charged above its limit."""
    if cap.currency == amount.currency:
        return min(amount, cap, key=lambda m: m.amount)
    rate = rates.rate(cap.currency, amount.currency, on)
    part = min(amount, Money(cap.amount * rate, amount.currency).rounded(ROUND_DOWN), key=lambda m: m.amount)
    # booked back in the carrier's currency at the reverse rate, half-up: a large part can come to
    # one minor unit above the cap, so step down until it does not
    step = Money.from_minor(1, amount.currency)
    while part.amount > 0 and fx.convert(part, cap.currency, on, rates, Decimal(0)).gross.amount > cap.amount:
        part = part - step
    return part


def pay_claim(actor: Actor | str, *, reference: str, amount: Money, payee: str, order_ref: str = "",
              seller_org_id: int | None = None, carrier_code: str = "", carrier_cap: Money | None = None,
              rates: fx.RateSource | None = None, on: date | None = None) -> ClaimPayment:
    """Pay an approved claim of `amount` to the buyer of `order_ref` (payee "buyer") or to the
    seller `seller_org_id` (payee "seller"), from the carrier `carrier_code` up to `carrier_cap`
    and the rest from the hub."""
    if amount.amount <= 0 or not amount.is_rounded():
        raise ValidationFailed.field("amount", "must be positive and rounded to the currency's minor unit")
    on, rates = on or timezone.now().date(), rates or fx.default_rates()
    cur = amount.currency
    with transaction.atomic():
        e = None
        if payee == "buyer":
            e = escrow.locked(order_ref)
            if e.currency != cur:
                raise ValidationFailed.field("amount", f"must be in the currency the buyer paid ({e.currency})")
            to = accounts.refunds_out(e.provider, cur)
        elif payee == "seller" and seller_org_id is not None:
            to = accounts.seller_available(seller_org_id, cur)
        else:
            raise ValidationFailed.field("payee", "buyer (with an order) or seller (with an organisation)")
        entry = Entry("claim_payment", reference)
        carrier_part, owes, conv = Money(0, cur), None, None
        if carrier_code and carrier_cap is not None and carrier_cap.amount > 0:
            carrier_part = carrier_share(amount, carrier_cap, on, rates)
            if carrier_part.amount > 0:
                source = carrier_receivable(carrier_code, carrier_cap.currency)
                conv = _add_converted(entry, source, carrier_part, on, rates, charge_margin=False)
                owes = conv.gross if conv else carrier_part
        hub_part = amount - carrier_part
        fx.add_legs(entry, hub_claims(cur), -hub_part.to_minor())
        entry.add(to, amount.to_minor())
        tx_id = ledger.post(entry)
        if conv is not None:
            fx.record(tx_id, conv).save()
        refund_id = _to_buyer(actor, e, tx_id, amount.to_minor(), f"claim {reference}").pk if e else None
        audit.record(actor, "payments.claim_payment", object_type="payments.ledgertransaction", object_id=tx_id,
                     after={"reference": reference, "amount": str(amount.amount), "currency": cur,
                            "carrier": carrier_code, "carrier_part": str(carrier_part.amount),
                            "hub_part": str(hub_part.amount)})
    return ClaimPayment(tx_id, carrier_part, owes, hub_part, refund_id)


def refund_failed(actor: Actor | str, refund: Refund) -> int:
    """The provider could not pay back a refund booked here (not out of escrow): reverse the
    refund's own transaction exactly — every posting negated, FX legs included — so the money
    returns to where it came from (seller balance, carrier receivable, hub claims)."""
    original = refund.tx
    entry = Entry(f"{original.kind}_failed"[:32], original.reference, corrects_id=original.pk)
    for p in original.postings.select_related("account").order_by("pk"):
        entry.add(p.account, -p.amount_minor)
    tx_id = ledger.post(entry)
    audit.record(actor, "payments.adjustment_refund_failed", refund, after={"correction": tx_id})
    return tx_id
