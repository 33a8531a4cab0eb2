"""Payments API schemas: inputs refuse unknown fields; amounts go out as decimal strings with
their currency (never floats)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from ewtp.core.money import Money
from ewtp.core.schemas import Input
from ewtp.payments.models import Account, Escrow, Payment, Payout, Refund


class AmountOut(Schema):
    amount: str
    currency: str


def money_out(minor: int, currency: str) -> AmountOut:
    return AmountOut(amount=str(Money.from_minor(minor, currency).amount), currency=currency)


class AccountOut(Schema):
    id: int
    owner_type: str
    owner_id: str
    kind: str
    currency: str
    balance: AmountOut
    version: int
    shard: int
    shards: int


def account_out(a: Account) -> AccountOut:
    return AccountOut(
        id=a.pk,
        owner_type=a.owner_type,
        owner_id=a.owner_id,
        kind=a.kind,
        currency=a.currency,
        balance=money_out(a.total_minor, a.currency),  # a hot account's: over all its shard rows
        version=a.version,
        shard=a.shard,
        shards=a.shards,
    )


class PostingOut(Schema):
    tx_id: int
    kind: str
    reference: str
    created_at: datetime
    account_id: int
    amount: AmountOut


class PaymentOut(Schema):
    order_ref: str
    state: str
    provider: str
    amount: AmountOut
    fee: AmountOut
    duty: AmountOut
    tax: AmountOut
    seller_currency: str
    decline_reason: str


def payment_out(p: Payment) -> PaymentOut:
    return PaymentOut(
        order_ref=p.order_ref,
        state=p.state,
        provider=p.provider,
        amount=money_out(p.amount_minor, p.currency),
        fee=money_out(p.fee_minor, p.currency),
        duty=money_out(p.duty_minor, p.currency),
        tax=money_out(p.tax_minor, p.currency),
        seller_currency=p.seller_currency,
        decline_reason=p.decline_reason,
    )


class EscrowOut(Schema):
    order_ref: str
    state: str
    held: AmountOut
    released: AmountOut
    refunded: AmountOut
    remaining: AmountOut
    hold_reason: str
    delivered_at: datetime | None


def escrow_out(e: Escrow) -> EscrowOut:
    c = e.currency
    return EscrowOut(
        order_ref=e.order_ref,
        state=e.state,
        held=money_out(e.held_minor, c),
        released=money_out(e.released_minor, c),
        refunded=money_out(e.refunded_minor, c),
        remaining=money_out(e.remaining_minor, c),
        hold_reason=e.hold_reason,
        delivered_at=e.delivered_at,
    )


class PayoutOut(Schema):
    id: int
    seller_org_id: int
    state: str
    amount: AmountOut
    batch: str
    failure_reason: str
    created_at: datetime


def payout_out(p: Payout) -> PayoutOut:
    return PayoutOut(
        id=p.pk,
        seller_org_id=p.seller_org_id,
        state=p.state,
        amount=money_out(p.amount_minor, p.currency),
        batch=p.batch,
        failure_reason=p.failure_reason,
        created_at=p.created_at,
    )


class BalancesOut(Schema):
    seller_org_id: int
    accounts: list[AccountOut]


class CardIn(Input):
    card_number: str = Field(..., max_length=23)


class PaymentIn(Input):
    order_ref: str = Field(..., max_length=120)
    amount: str = Field(..., max_length=40)
    currency: str = Field(..., min_length=3, max_length=3)
    seller_org_id: int
    seller_currency: str = Field(..., min_length=3, max_length=3)
    buyer_user_id: int | None = None
    jurisdiction: str = Field("", max_length=8)
    duty: str = Field("0", max_length=40)
    tax: str = Field("0", max_length=40)


class RefundIn(Input):
    amount: str = Field(..., max_length=40)
    reason: str = Field("", max_length=200)


class RetryIn(Input):
    method: str = Field("provider", pattern="^(provider|bank_transfer)$",
                        description="provider: ask the provider again; bank_transfer: the hub has paid the buyer itself")
    bank_reference: str = Field("", max_length=80, description="the hub's transfer reference (bank_transfer)")


class RefundOut(Schema):
    id: int
    order_ref: str
    amount: AmountOut
    state: str
    reason: str
    origin: str = Field(description="escrow, or the transaction kind that booked it (return_refund, claim_payment)")
    method: str
    bank_reference: str
    retry_of: int | None
    created_at: datetime


def refund_out(r: Refund, origin: str) -> RefundOut:
    return RefundOut(id=r.pk, order_ref=r.escrow.order_ref, amount=money_out(r.amount_minor, r.currency),
                     state=r.state, reason=r.reason, origin=origin, method=r.method,
                     bank_reference=r.bank_reference, retry_of=r.retry_of_id, created_at=r.created_at)


class HoldIn(Input):
    reason: str = Field("", max_length=200, description="empty closes the hold")


class VerifyOut(Schema):
    ok: bool
    transactions: int
    postings: int
    accounts: int
    escrows: int
    problems: list[str]


class TotalOut(Schema):
    currency: str
    kind: str
    balance: AmountOut


class TransactionOut(Schema):
    id: int
    kind: str
    reference: str
    corrects_id: int | None
    created_at: datetime
    postings: list[PostingOut]


class DifferenceOut(Schema):
    kind: str
    reference: str
    currency: str
    provider_minor: int | None
    ledger_minor: int | None
    problem: str


class ReconciliationOut(Schema):
    provider: str
    ok: bool
    matched: int
    differences: list[DifferenceOut]


class WebhookOut(Schema):
    status: str
    event: str
    outcome: str = ""
