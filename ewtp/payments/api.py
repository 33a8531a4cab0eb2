"""Payments API: thin — parse, authorise, call a service, shape the answer.

Sellers see their own balances, escrows, payments and payouts; buyers their own payments;
the hub operator everything, plus the ledger, verification and reconciliation. A record the
caller may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ewtp.accounts.api_auth import actor_of
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import get_accessible, require_access, require_role
from ewtp.core.schemas import ERRORS
from ewtp.payments import escrow, queries, refund_retry, services, webhooks
from ewtp.payments.models import Account, Escrow, LedgerTransaction, Payment, Payout
from ewtp.payments.reconciliation import reconcile
from ewtp.payments.schemas import (
    AccountOut,
    BalancesOut,
    CardIn,
    DifferenceOut,
    EscrowOut,
    HoldIn,
    PaymentIn,
    PaymentOut,
    PayoutOut,
    PostingOut,
    ReconciliationOut,
    RefundIn,
    RefundOut,
    RetryIn,
    TotalOut,
    TransactionOut,
    VerifyOut,
    WebhookOut,
    account_out,
    escrow_out,
    money_out,
    payment_out,
    payout_out,
    refund_out,
)
from ewtp.payments.verify import verify

router = Router(tags=["payments"])


def _money(amount: str, currency: str, field: str = "amount") -> Money:
    try:
        return Money(amount, currency.upper())
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.field(field, str(exc)) from None


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


@router.get("/balances", response={200: BalancesOut, **ERRORS})
def balances(request: HttpRequest, seller_org_id: int | None = None):
    actor = actor_of(request)
    org = _seller_org(actor, seller_org_id)
    return BalancesOut(seller_org_id=org, accounts=[account_out(a) for a in queries.seller_accounts(org)])


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS})
def account(request: HttpRequest, account_id: int):
    a = Account.objects.filter(pk=account_id).first()
    if a is None:
        raise NotFound("Account not found")
    require_access(actor_of(request), a)
    return account_out(a)


@router.get("/accounts/{account_id}/postings", response={200: list[PostingOut], **ERRORS})
def account_postings(request: HttpRequest, account_id: int, before_tx: int | None = None, limit: int = 100):
    a = Account.objects.filter(pk=account_id).first()
    if a is None:
        raise NotFound("Account not found")
    require_access(actor_of(request), a)
    return [
        PostingOut(
            tx_id=p.tx_id,
            kind=p.tx.kind,
            reference=p.tx.reference,
            created_at=p.tx.created_at,
            account_id=p.account_id,
            amount=money_out(p.amount_minor, p.currency),
        )
        for p in queries.postings(a, before_tx=before_tx, limit=min(max(limit, 1), 1000))
    ]


@router.get(
    "/statement",
    response={200: str, **ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def statement(request: HttpRequest, seller_org_id: int | None = None, currency: str | None = None):
    """Every posting on the seller's accounts as CSV, oldest first, with running balances."""
    org = _seller_org(actor_of(request), seller_org_id)
    return HttpResponse(
        queries.statement_csv(org, currency.upper()[:3] if currency else None),
        content_type="text/csv; charset=utf-8",
    )


@router.get("/payouts", response={200: list[PayoutOut], **ERRORS})
def payout_list(request: HttpRequest, seller_org_id: int | None = None):
    actor = actor_of(request)
    qs = Payout.objects.order_by("-id")
    if not actor.is_operator or seller_org_id is not None:
        qs = qs.filter(seller_org_id=_seller_org(actor, seller_org_id))
    return [payout_out(p) for p in qs[:500]]


@router.get("/payments/{order_ref}", response={200: PaymentOut, **ERRORS})
def payment(request: HttpRequest, order_ref: str):
    return payment_out(get_accessible(actor_of(request), Payment, "payment", order_ref=order_ref))


@router.post("/payments/{order_ref}/authorise", response={200: PaymentOut, **ERRORS})
def authorise(request: HttpRequest, order_ref: str, payload: CardIn):
    """The buyer's payment step: the provider answers asynchronously (state stays `created`
    until its webhook arrives)."""
    actor = actor_of(request)
    p = Payment.objects.filter(order_ref=order_ref).first()
    if p is None or not (
        actor.is_operator or (p.buyer_user_id is not None and p.buyer_user_id == actor.user_id)
    ):
        raise NotFound("Payment not found")
    return payment_out(services.authorise_payment(actor, order_ref, payload.card_number))


@router.get("/escrows/{order_ref}", response={200: EscrowOut, **ERRORS})
def escrow_detail(request: HttpRequest, order_ref: str):
    return escrow_out(get_accessible(actor_of(request), Escrow, "escrow", order_ref=order_ref))


# ---- hub operator (the marketplace calls the services in-process) ----------------------------


@router.post("/payments", response={200: PaymentOut, **ERRORS})
def create_payment(request: HttpRequest, payload: PaymentIn):
    actor = actor_of(request)
    require_role(actor, [Role.HUB_OPERATOR])
    p = services.start_payment(
        actor,
        order_ref=payload.order_ref,
        amount=_money(payload.amount, payload.currency),
        seller_org_id=payload.seller_org_id,
        seller_currency=payload.seller_currency.upper(),
        buyer_user_id=payload.buyer_user_id,
        jurisdiction=payload.jurisdiction.upper(),
        duty=_money(payload.duty, payload.currency, "duty"),
        tax=_money(payload.tax, payload.currency, "tax"),
    )
    return payment_out(p)


def _operator(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    require_role(actor, [Role.HUB_OPERATOR])
    return actor


@router.post("/payments/{order_ref}/capture", response={200: PaymentOut, **ERRORS})
def capture(request: HttpRequest, order_ref: str):
    return payment_out(services.capture_payment(_operator(request), order_ref))


@router.post("/payments/{order_ref}/void", response={200: PaymentOut, **ERRORS})
def void(request: HttpRequest, order_ref: str):
    return payment_out(services.void_payment(_operator(request), order_ref))


@router.post("/escrows/{order_ref}/release", response={200: EscrowOut, **ERRORS})
def release(request: HttpRequest, order_ref: str):
    return escrow_out(escrow.release(_operator(request), order_ref))


@router.post("/escrows/{order_ref}/refund", response={200: EscrowOut, **ERRORS})
def refund(request: HttpRequest, order_ref: str, payload: RefundIn):
    """The seller of the order (accepting a return) or the hub operator refunds the buyer."""
    actor = actor_of(request)
    e = escrow.locked_or_404(order_ref)
    require_access(actor, e)
    require_role(actor, [Role.SELLER])
    services.request_refund(actor, order_ref, _money(payload.amount, e.currency), payload.reason)
    e.refresh_from_db()
    return escrow_out(e)


@router.get("/refunds/failed", response={200: list[RefundOut], **ERRORS})
def failed_refunds(request: HttpRequest, limit: int = 200):
    """The hub operator's queue: refunds the provider could not pay and nobody has retried."""
    _operator(request)
    return [refund_out(r, refund_retry.origin(r)) for r in refund_retry.queue()[: max(1, min(limit, 1000))]]


@router.post("/refunds/{refund_id}/retry", response={200: RefundOut, **ERRORS})
def retry_refund(request: HttpRequest, refund_id: int, payload: RetryIn):
    """Retry a failed refund through the provider, or record the hub's own bank transfer."""
    r = refund_retry.retry(_operator(request), refund_id, payload.method, payload.bank_reference)
    return refund_out(r, refund_retry.origin(r))


@router.post("/escrows/{order_ref}/hold", response={200: EscrowOut, **ERRORS})
def hold(request: HttpRequest, order_ref: str, payload: HoldIn):
    return escrow_out(escrow.set_hold(_operator(request), order_ref, payload.reason))


@router.post("/payouts/run", response={200: list[PayoutOut], **ERRORS})
def run_payouts(request: HttpRequest):
    return [payout_out(p) for p in services.run_payouts(_operator(request))]


@router.get("/ledger/verify", response={200: VerifyOut, **ERRORS})
def ledger_verify(request: HttpRequest):
    _operator(request)
    rep = verify()
    return VerifyOut(
        ok=rep.ok,
        transactions=rep.transactions,
        postings=rep.postings,
        accounts=rep.accounts,
        escrows=rep.escrows,
        problems=rep.problems,
    )


@router.get("/ledger/totals", response={200: list[TotalOut], **ERRORS})
def ledger_totals(request: HttpRequest):
    _operator(request)
    return [TotalOut(currency=c, kind=k, balance=money_out(t, c)) for c, k, t in queries.totals()]


@router.get("/ledger/transactions/{tx_id}", response={200: TransactionOut, **ERRORS})
def transaction_detail(request: HttpRequest, tx_id: int):
    _operator(request)
    t = LedgerTransaction.objects.filter(pk=tx_id).first()
    if t is None:
        raise NotFound("Transaction not found")
    return TransactionOut(
        id=t.pk,
        kind=t.kind,
        reference=t.reference,
        corrects_id=t.corrects_id,
        created_at=t.created_at,
        postings=[
            PostingOut(
                tx_id=t.pk,
                kind=t.kind,
                reference=t.reference,
                created_at=t.created_at,
                account_id=p.account_id,
                amount=money_out(p.amount_minor, p.currency),
            )
            for p in t.postings.order_by("id")
        ],
    )


@router.get("/reconciliation/{provider}", response={200: ReconciliationOut, **ERRORS})
def reconciliation(request: HttpRequest, provider: str):
    _operator(request)
    rep = reconcile(provider)
    return ReconciliationOut(
        provider=rep.provider,
        ok=rep.ok,
        matched=rep.matched,
        differences=[
            DifferenceOut(
                kind=d.kind,
                reference=d.reference,
                currency=d.currency,
                provider_minor=d.provider_minor,
                ledger_minor=d.ledger_minor,
                problem=d.problem,
            )
            for d in rep.differences
        ],
    )


# ---- provider webhooks: no bearer token and no Idempotency-Key; the signature is the check -----


@router.post("/webhooks/{provider}", auth=None, response={200: WebhookOut, **ERRORS})
def webhook(request: HttpRequest, provider: str):
    headers = {k: v for k, v in request.headers.items()}
    return webhooks.receive(provider, headers, request.body)
