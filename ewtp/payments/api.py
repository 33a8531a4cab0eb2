"""Payments API: thin — parse, authorise, call a service, shape the answer.

Sellers see their own balances, escrows, payments and payouts; buyers their own payments;
the hub operator everything, plus the ledger, verification and reconciliation. A record the
caller may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from ewtp.accounts.api_auth import actor_of
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import require_access, require_role
from ewtp.core.schemas import ERRORS, Input
from ewtp.payments import escrow, queries, services, webhooks
from ewtp.payments.models import Account, Escrow, LedgerTransaction, Payment, Payout
from ewtp.payments.reconciliation import reconcile
from ewtp.payments.verify import verify

router = Router(tags=["payments"])


def _money(amount: str, currency: str, field: str = "amount") -> Money:
    try:
        return Money(amount, currency.upper())
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.field(field, str(exc)) from None


class AmountOut(Schema):
    amount: str
    currency: str


def _out(minor: int, currency: str) -> AmountOut:
    return AmountOut(amount=str(Money.from_minor(minor, currency).amount), currency=currency)


class AccountOut(Schema):
    id: int
    owner_type: str
    owner_id: str
    kind: str
    currency: str
    balance: AmountOut
    version: int


def _account(a: Account) -> AccountOut:
    return AccountOut(id=a.pk, owner_type=a.owner_type, owner_id=a.owner_id, kind=a.kind, currency=a.currency,
                      balance=_out(a.balance_minor, a.currency), version=a.version)


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


def _payment(p: Payment) -> PaymentOut:
    return PaymentOut(order_ref=p.order_ref, state=p.state, provider=p.provider, amount=_out(p.amount_minor, p.currency),
                      fee=_out(p.fee_minor, p.currency), duty=_out(p.duty_minor, p.currency),
                      tax=_out(p.tax_minor, p.currency), seller_currency=p.seller_currency,
                      decline_reason=p.decline_reason)


class EscrowOut(Schema):
    order_ref: str
    state: str
    held: AmountOut
    released: AmountOut
    refunded: AmountOut
    remaining: AmountOut
    hold_reason: str
    delivered_at: datetime | None


def _escrow(e: Escrow) -> EscrowOut:
    c = e.currency
    return EscrowOut(order_ref=e.order_ref, state=e.state, held=_out(e.held_minor, c), released=_out(e.released_minor, c),
                     refunded=_out(e.refunded_minor, c), remaining=_out(e.remaining_minor, c),
                     hold_reason=e.hold_reason, delivered_at=e.delivered_at)


class PayoutOut(Schema):
    id: int
    seller_org_id: int
    state: str
    amount: AmountOut
    batch: str
    failure_reason: str
    created_at: datetime


def _payout(p: Payout) -> PayoutOut:
    return PayoutOut(id=p.pk, seller_org_id=p.seller_org_id, state=p.state, amount=_out(p.amount_minor, p.currency),
                     batch=p.batch, failure_reason=p.failure_reason, created_at=p.created_at)


def _seller_org(actor: Actor, org_id: int | None) -> int:
    """The seller organisation the caller asks about: its own (or any, for the operator)."""
    if org_id is None:
        if len(actor.org_ids) != 1:
            raise ValidationFailed.field("seller_org_id", "say which organisation")
        return next(iter(actor.org_ids))
    if not actor.is_operator and org_id not in actor.org_ids:
        raise NotFound("organisation not found")
    return org_id


# ---- seller / buyer ---------------------------------------------------------------------------

class BalancesOut(Schema):
    seller_org_id: int
    accounts: list[AccountOut]


@router.get("/balances", response={200: BalancesOut, **ERRORS})
def balances(request: HttpRequest, seller_org_id: int | None = None):
    actor = actor_of(request)
    org = _seller_org(actor, seller_org_id)
    return BalancesOut(seller_org_id=org, accounts=[_account(a) for a in queries.seller_accounts(org)])


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS})
def account(request: HttpRequest, account_id: int):
    a = Account.objects.filter(pk=account_id).first()
    if a is None:
        raise NotFound("Account not found")
    require_access(actor_of(request), a)
    return _account(a)


@router.get("/accounts/{account_id}/postings", response={200: list[PostingOut], **ERRORS})
def account_postings(request: HttpRequest, account_id: int, before_tx: int | None = None,
                     limit: int = 100):
    a = Account.objects.filter(pk=account_id).first()
    if a is None:
        raise NotFound("Account not found")
    require_access(actor_of(request), a)
    return [PostingOut(tx_id=p.tx_id, kind=p.tx.kind, reference=p.tx.reference, created_at=p.tx.created_at,
                       account_id=p.account_id, amount=_out(p.amount_minor, p.currency))
            for p in queries.postings(a, before_tx=before_tx, limit=min(max(limit, 1), 1000))]


@router.get("/statement", response={200: str, **ERRORS}, openapi_extra={
    "responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}})
def statement(request: HttpRequest, seller_org_id: int | None = None, currency: str | None = None):
    """Every posting on the seller's accounts as CSV, oldest first, with running balances."""
    org = _seller_org(actor_of(request), seller_org_id)
    return HttpResponse(queries.statement_csv(org, currency.upper()[:3] if currency else None),
                        content_type="text/csv; charset=utf-8")


@router.get("/payouts", response={200: list[PayoutOut], **ERRORS})
def payout_list(request: HttpRequest, seller_org_id: int | None = None):
    actor = actor_of(request)
    qs = Payout.objects.order_by("-id")
    if not actor.is_operator or seller_org_id is not None:
        qs = qs.filter(seller_org_id=_seller_org(actor, seller_org_id))
    return [_payout(p) for p in qs[:500]]


@router.get("/payments/{order_ref}", response={200: PaymentOut, **ERRORS})
def payment(request: HttpRequest, order_ref: str):
    p = Payment.objects.filter(order_ref=order_ref).first()
    if p is None:
        raise NotFound("Payment not found")
    require_access(actor_of(request), p)
    return _payment(p)


class CardIn(Input):
    card_number: str = Field(..., max_length=23)


@router.post("/payments/{order_ref}/authorise", response={200: PaymentOut, **ERRORS})
def authorise(request: HttpRequest, order_ref: str, payload: CardIn):
    """The buyer's payment step: the provider answers asynchronously (state stays `created`
    until its webhook arrives)."""
    actor = actor_of(request)
    p = Payment.objects.filter(order_ref=order_ref).first()
    if p is None or not (actor.is_operator or (p.buyer_user_id is not None and p.buyer_user_id == actor.user_id)):
        raise NotFound("Payment not found")
    return _payment(services.authorise_payment(actor, order_ref, payload.card_number))


@router.get("/escrows/{order_ref}", response={200: EscrowOut, **ERRORS})
def escrow_detail(request: HttpRequest, order_ref: str):
    e = Escrow.objects.filter(order_ref=order_ref).first()
    if e is None:
        raise NotFound("Escrow not found")
    require_access(actor_of(request), e)
    return _escrow(e)


# ---- hub operator (the marketplace calls the services in-process) ----------------------------

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


@router.post("/payments", response={200: PaymentOut, **ERRORS})
def create_payment(request: HttpRequest, payload: PaymentIn):
    actor = actor_of(request)
    require_role(actor, [Role.HUB_OPERATOR])
    p = services.start_payment(
        actor, order_ref=payload.order_ref, amount=_money(payload.amount, payload.currency),
        seller_org_id=payload.seller_org_id, seller_currency=payload.seller_currency.upper(),
        buyer_user_id=payload.buyer_user_id, jurisdiction=payload.jurisdiction.upper(),
        duty=_money(payload.duty, payload.currency, "duty"), tax=_money(payload.tax, payload.currency, "tax"))
    return _payment(p)


def _operator(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    require_role(actor, [Role.HUB_OPERATOR])
    return actor


@router.post("/payments/{order_ref}/capture", response={200: PaymentOut, **ERRORS})
def capture(request: HttpRequest, order_ref: str):
    return _payment(services.capture_payment(_operator(request), order_ref))


@router.post("/payments/{order_ref}/void", response={200: PaymentOut, **ERRORS})
def void(request: HttpRequest, order_ref: str):
    return _payment(services.void_payment(_operator(request), order_ref))


@router.post("/escrows/{order_ref}/release", response={200: EscrowOut, **ERRORS})
def release(request: HttpRequest, order_ref: str):
    return _escrow(escrow.release(_operator(request), order_ref))


class RefundIn(Input):
    amount: str = Field(..., max_length=40)
    reason: str = Field("", max_length=200)


@router.post("/escrows/{order_ref}/refund", response={200: EscrowOut, **ERRORS})
def refund(request: HttpRequest, order_ref: str, payload: RefundIn):
    """The seller of the order (accepting a return) or the hub operator refunds the buyer."""
    actor = actor_of(request)
    e = escrow.locked_or_404(order_ref)
    require_access(actor, e)
    require_role(actor, [Role.SELLER])
    services.request_refund(actor, order_ref, _money(payload.amount, e.currency), payload.reason)
    e.refresh_from_db()
    return _escrow(e)


class HoldIn(Input):
    reason: str = Field("", max_length=200, description="empty closes the hold")


@router.post("/escrows/{order_ref}/hold", response={200: EscrowOut, **ERRORS})
def hold(request: HttpRequest, order_ref: str, payload: HoldIn):
    return _escrow(escrow.set_hold(_operator(request), order_ref, payload.reason))


@router.post("/payouts/run", response={200: list[PayoutOut], **ERRORS})
def run_payouts(request: HttpRequest):
    return [_payout(p) for p in services.run_payouts(_operator(request))]


class VerifyOut(Schema):
    ok: bool
    transactions: int
    postings: int
    accounts: int
    escrows: int
    problems: list[str]


@router.get("/ledger/verify", response={200: VerifyOut, **ERRORS})
def ledger_verify(request: HttpRequest):
    _operator(request)
    rep = verify()
    return VerifyOut(ok=rep.ok, transactions=rep.transactions, postings=rep.postings, accounts=rep.accounts,
                     escrows=rep.escrows, problems=rep.problems)


class TotalOut(Schema):
    currency: str
    kind: str
    balance: AmountOut


@router.get("/ledger/totals", response={200: list[TotalOut], **ERRORS})
def ledger_totals(request: HttpRequest):
    _operator(request)
    return [TotalOut(currency=c, kind=k, balance=_out(t, c)) for c, k, t in queries.totals()]


class TransactionOut(Schema):
    id: int
    kind: str
    reference: str
    corrects_id: int | None
    created_at: datetime
    postings: list[PostingOut]


@router.get("/ledger/transactions/{tx_id}", response={200: TransactionOut, **ERRORS})
def transaction_detail(request: HttpRequest, tx_id: int):
    _operator(request)
    t = LedgerTransaction.objects.filter(pk=tx_id).first()
    if t is None:
        raise NotFound("Transaction not found")
    return TransactionOut(id=t.pk, kind=t.kind, reference=t.reference, corrects_id=t.corrects_id,
                          created_at=t.created_at,
                          postings=[PostingOut(tx_id=t.pk, kind=t.kind, reference=t.reference, created_at=t.created_at,
                                               account_id=p.account_id, amount=_out(p.amount_minor, p.currency))
                                    for p in t.postings.order_by("id")])


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


@router.get("/reconciliation/{provider}", response={200: ReconciliationOut, **ERRORS})
def reconciliation(request: HttpRequest, provider: str):
    _operator(request)
    rep = reconcile(provider)
    return ReconciliationOut(provider=rep.provider, ok=rep.ok, matched=rep.matched, differences=[
        DifferenceOut(kind=d.kind, reference=d.reference, currency=d.currency, provider_minor=d.provider_minor,
                      ledger_minor=d.ledger_minor, problem=d.problem) for d in rep.differences])


# ---- provider webhooks: no bearer token and no Idempotency-Key; the signature is the check -----

class WebhookOut(Schema):
    status: str
    event: str
    outcome: str = ""


@router.post("/webhooks/{provider}", auth=None, response={200: WebhookOut, **ERRORS})
def webhook(request: HttpRequest, provider: str):
    headers = {k: v for k, v in request.headers.items()}
    return webhooks.receive(provider, headers, request.body)
