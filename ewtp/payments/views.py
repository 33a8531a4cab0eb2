"""Pages: the buyer's payment step and receipt, the seller's balances, payouts and CSV
statement, the hub operator's ledger explorer and reconciliation report. Thin: services and
queries do the work."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import AppError
from ewtp.core.money import Money
from ewtp.core.parse import form_int
from ewtp.payments import queries, refund_retry, services
from ewtp.payments.models import Account, Escrow, Kind, LedgerTransaction, Payment, Payout, Refund
from ewtp.payments.providers.sandbox import test_cards
from ewtp.payments.reconciliation import reconcile
from ewtp.payments.verify import verify
from ewtp.web.access import page_actor, role_required


def _own_payment(actor: Actor, order_ref: str) -> Payment:
    p = Payment.objects.filter(order_ref=order_ref).first()
    if p is None or not (
        actor.is_operator or (p.buyer_user_id is not None and p.buyer_user_id == actor.user_id)
    ):
        raise Http404("payment not found")
    return p


def _amounts(p: Payment) -> dict:
    lang = getattr(p, "_lang", "en")
    m = lambda minor: Money.from_minor(minor, p.currency).format(lang)  # noqa: E731
    return {"total": m(p.amount_minor), "duty": m(p.duty_minor), "tax": m(p.tax_minor), "fee": m(p.fee_minor)}


@role_required(Role.BUYER)
def pay(request: HttpRequest, order_ref: str) -> HttpResponse:
    actor = page_actor(request)
    p = _own_payment(actor, order_ref)
    error = ""
    if request.method == "POST":
        try:
            services.authorise_payment(actor, order_ref, request.POST.get("card_number", "")[:23])
        except AppError as err:
            error = err.message
        else:
            return redirect("payments:receipt", order_ref=order_ref)
    p._lang = request.LANGUAGE_CODE
    return render(
        request,
        "payments/pay.html",
        {
            "payment": p,
            "amounts": _amounts(p),
            "error": error,
            "test_cards": test_cards(),
        },
    )


@role_required(Role.BUYER)
def receipt(request: HttpRequest, order_ref: str) -> HttpResponse:
    p = _own_payment(page_actor(request), order_ref)
    p._lang = request.LANGUAGE_CODE
    e = Escrow.objects.filter(order_ref=order_ref).first()
    template = (
        "payments/receipt_status.html" if request.headers.get("HX-Request") else "payments/receipt.html"
    )
    return render(request, template, {"payment": p, "amounts": _amounts(p), "escrow": e})


def _seller_org(request: HttpRequest) -> int:
    actor = page_actor(request)
    wanted = form_int(request.GET.get("org"), low=1)
    if wanted is not None and (actor.is_operator or wanted in actor.org_ids):
        return wanted
    if not actor.org_ids:
        raise Http404("no seller organisation")
    return min(actor.org_ids)


@role_required(Role.SELLER)
def seller_balances(request: HttpRequest) -> HttpResponse:
    org = _seller_org(request)
    lang = request.LANGUAGE_CODE
    rows: dict[str, dict[str, str]] = {}
    for a in queries.seller_accounts(org):
        rows.setdefault(a.currency, {})[a.kind] = a.balance.format(lang)
    for currency, minor in queries.paid_out(org).items():
        rows.setdefault(currency, {})["paid_out"] = Money.from_minor(minor, currency).format(lang)
    table = [
        {
            "currency": c,
            "escrow": r.get(Kind.ESCROW, "—"),
            "available": r.get(Kind.SELLER_AVAILABLE, "—"),
            "on_the_way": r.get(Kind.SELLER_PAYABLE_OUT, "—"),
            "paid_out": r.get("paid_out", "—"),
        }
        for c, r in sorted(rows.items())
    ]
    payouts = [
        {"p": p, "amount": p.amount.format(lang)}
        for p in Payout.objects.filter(seller_org_id=org).order_by("-id")[:100]
    ]
    return render(request, "payments/seller_balances.html", {"org": org, "rows": table, "payouts": payouts})


@role_required(Role.SELLER)
def seller_statement(request: HttpRequest) -> HttpResponse:
    org = _seller_org(request)
    currency = request.GET.get("currency", "").upper()[:3] or None
    resp = HttpResponse(queries.statement_csv(org, currency), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = (
        f'attachment; filename="statement-{org}{"-" + currency if currency else ""}.csv"'
    )
    return resp


@role_required(Role.HUB_OPERATOR)
def operator_ledger(request: HttpRequest) -> HttpResponse:
    kind, currency = request.GET.get("kind", ""), request.GET.get("currency", "").upper()[:3]
    # one row per logical account: a hot account's home row shows the sum over its shards
    accounts = Account.objects.filter(shard=0).order_by("currency", "kind", "owner_type", "owner_id")
    if kind in Kind.ALL:
        accounts = accounts.filter(kind=kind)
    if currency:
        accounts = accounts.filter(currency=currency)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    ref = request.GET.get("ref", "").strip()[:120]
    txs = LedgerTransaction.objects.order_by("-id")
    if ref:
        txs = txs.filter(reference=ref)
    txs = txs[:50]
    totals = [
        {"currency": c, "kind": k, "balance": Money.from_minor(t, c).format(request.LANGUAGE_CODE)}
        for c, k, t in queries.totals()
    ]
    return render(
        request,
        "payments/operator_ledger.html",
        {
            "page": page,
            "txs": txs,
            "totals": totals,
            "kinds": Kind.ALL,
            "kind": kind,
            "currency": currency,
            "ref": ref,
        },
    )


@role_required(Role.HUB_OPERATOR)
def operator_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/verify_result.html", {"report": verify()})


@role_required(Role.HUB_OPERATOR)
def operator_transaction(request: HttpRequest, tx_id: int) -> HttpResponse:
    tx = get_object_or_404(LedgerTransaction, pk=tx_id)
    postings = [
        {"p": p, "amount": p.amount.format(request.LANGUAGE_CODE)}
        for p in tx.postings.select_related("account").order_by("id")
    ]
    return render(
        request,
        "payments/operator_transaction.html",
        {"tx": tx, "postings": postings, "conversions": tx.conversions.all()},
    )


@role_required(Role.HUB_OPERATOR)
def operator_account(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    postings = [
        {"p": p, "amount": p.amount.format(request.LANGUAGE_CODE)}
        for p in queries.postings(account, limit=200)
    ]
    return render(
        request,
        "payments/operator_account.html",
        {"account": account, "postings": postings, "balance": account.balance.format(request.LANGUAGE_CODE)},
    )


@role_required(Role.HUB_OPERATOR)
def operator_reconciliation(request: HttpRequest) -> HttpResponse:
    provider = request.GET.get("provider", "sandbox")[:32]
    try:
        report = reconcile(provider)
    except AppError as err:
        messages.error(request, err.message)
        report = reconcile("sandbox")
    return render(request, "payments/operator_reconciliation.html", {"report": report})


REFUND_LABELS = {Refund.REQUESTED: gettext_lazy("requested"), Refund.SUCCEEDED: gettext_lazy("succeeded"),
                 Refund.FAILED: gettext_lazy("failed"), Refund.PROVIDER: gettext_lazy("through the provider"),
                 Refund.BANK_TRANSFER: gettext_lazy("bank transfer by the hub"),
                 refund_retry.ESCROW: gettext_lazy("escrow"), "return_refund": gettext_lazy("return"),
                 "claim_payment": gettext_lazy("claim")}


@role_required(Role.HUB_OPERATOR)
def operator_refunds(request: HttpRequest) -> HttpResponse:
    """Refunds the provider could not pay: retry through the provider, or record a bank transfer."""
    if request.method == "POST":
        try:
            r = refund_retry.retry(page_actor(request), form_int(request.POST.get("refund_id"), low=1) or 0,
                                   request.POST.get("method", "")[:16], request.POST.get("bank_reference", "")[:200])
        except AppError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Refund %(id)s is now %(state)s.") % {"id": r.pk, "state": REFUND_LABELS[r.state]})
        return redirect("payments:operator-refunds")
    lang = request.LANGUAGE_CODE
    rows = [{"r": r, "origin": REFUND_LABELS.get(refund_retry.origin(r), refund_retry.origin(r)),
             "amount": r.amount.format(lang)} for r in refund_retry.queue()[:200]]
    retried = [{"r": r, "amount": r.amount.format(lang), "method": REFUND_LABELS[r.method], "state": REFUND_LABELS[r.state]}
               for r in refund_retry.recent_retries()]
    return render(request, "payments/operator_refunds.html", {"rows": rows, "retried": retried})
