"""Pages for returns and claims: the buyer asks for a return or files a claim on a shipment,
the seller decides returns and confirms their receipt (and finds its shipping documents), the
hub operator decides claims and the returns sellers left undecided. Thin: services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ewtp.core.actor import Role
from ewtp.core.errors import AppError, NotFound, ValidationFailed
from ewtp.core.money import Money, to_decimal
from ewtp.core.parse import form_int
from ewtp.core.permissions import get_accessible
from ewtp.logistics import claims, returns
from ewtp.logistics.api_aftercare import visible_claims, visible_returns
from ewtp.logistics.models import Claim, ReturnRequest, Shipment
from ewtp.web.access import page_actor, role_required


def _shown(rows, lang: str):
    """Attach the formatted amount (refund of a return, amount of a claim) for the page's language."""
    rows = list(rows)
    for r in rows:
        minor, cur = (r.amount_minor, r.currency) if isinstance(r, Claim) else (r.refund_minor, r.refund_currency)
        r.shown_amount = Money.from_minor(minor, cur).format(lang) if cur and minor is not None else ""
    return rows


def _done(request: HttpRequest, message: str, fn, *args, **kwargs) -> None:
    """Run a service call; its refusal becomes the page's error message."""
    try:
        fn(*args, **kwargs)
        messages.success(request, message)
    except AppError as err:
        messages.error(request, err.message)


@role_required(Role.BUYER, Role.SELLER)
def my_shipments(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    shipments = (Shipment.objects.filter(Q(buyer_id=actor.user_id) | Q(seller_id__in=actor.org_ids),
                                         direction=Shipment.FORWARD).order_by("-created_at")[:100])
    return render(request, "logistics/my_shipments.html", {"shipments": shipments})


@role_required(Role.BUYER, Role.SELLER)
def aftercare(request: HttpRequest, tracking_no: str) -> HttpResponse:
    actor = page_actor(request)
    try:
        s = get_accessible(actor, Shipment.objects.prefetch_related("parcels"), "shipment", tracking_no=tracking_no[:32])
    except NotFound as err:
        raise Http404(err.message) from None
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "return":
            _done(request, _("Your return request was sent to the seller."), returns.request_return, actor,
                  s.tracking_no, request.POST.get("reason", "")[:500])
        elif which == "claim":
            try:
                amount = to_decimal(request.POST.get("amount", "").strip() or "x")  # finite, of a sane size
            except ValueError:
                messages.error(request, _("Enter the amount as a number, e.g. 25.00."))
            else:
                evidence = request.POST.get("evidence", "").splitlines()[:10]
                _done(request, _("Your claim was filed; the hub operator will decide it."), claims.file_claim, actor,
                      s.tracking_no, request.POST.get("kind", ""), amount, evidence)
        return redirect("logistics:aftercare", tracking_no=s.tracking_no)
    return render(request, "logistics/aftercare.html", {
        "shipment": s, "is_buyer": actor.user_id == s.buyer_id, "window": returns.window_days(s.seller_id),
        "returns": _shown(s.returns.select_related("return_shipment").order_by("-requested_at"), request.LANGUAGE_CODE),
        "claims": _shown(s.claims.order_by("-created_at"), request.LANGUAGE_CODE)})


@role_required(Role.SELLER)
def seller_returns(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    org = min(actor.org_ids)
    if request.method == "POST":
        try:
            days = int(request.POST.get("window_days", ""))
        except ValueError:
            messages.error(request, _("Enter a number of days."))
        else:
            _done(request, _("Return window saved."), returns.set_window, actor, org, days)
        return redirect("logistics:seller-returns")
    rs = _shown(visible_returns(actor).filter(seller_id__in=actor.org_ids)[:200], request.LANGUAGE_CODE)
    shipments = (Shipment.objects.filter(seller_id__in=actor.org_ids).prefetch_related("parcels")
                 .order_by("-created_at")[:50])
    return render(request, "logistics/seller_returns.html", {
        "pending": [r for r in rs if r.state == ReturnRequest.REQUESTED],
        "coming_back": [r for r in rs if r.state in (ReturnRequest.APPROVED, ReturnRequest.IN_TRANSIT)],
        "closed": [r for r in rs if r.state in (ReturnRequest.REJECTED, ReturnRequest.RECEIVED, ReturnRequest.REFUNDED)],
        "window": returns.window_days(org), "shipments": shipments})


@require_POST
@role_required(Role.SELLER, Role.HUB_OPERATOR)
def return_decide(request: HttpRequest, return_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    _done(request, _("Return approved: the buyer can print the return label.") if approve else _("Return rejected."),
          returns.decide, page_actor(request), return_id, approve, request.POST.get("note", "")[:500])
    back = "logistics:operator-claims" if request.POST.get("next") == "operator" else "logistics:seller-returns"
    return redirect(back)


@require_POST
@role_required(Role.SELLER)
def return_receipt(request: HttpRequest, return_id: int) -> HttpResponse:
    _done(request, _("Receipt confirmed and the buyer refunded."), returns.confirm_receipt, page_actor(request),
          return_id, request.POST.get("condition", "")[:200])
    return redirect("logistics:seller-returns")


@role_required(Role.HUB_OPERATOR)
def operator_claims(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    if request.method == "POST":
        claim_id = form_int(request.POST.get("claim"), low=1)
        decision = request.POST.get("decision", "")
        if claim_id is None or decision not in ("carrier", "hub", "reject"):
            messages.error(request, ValidationFailed.field("decision", "carrier, hub or reject").message)
        else:
            _done(request, _("Decision recorded."), claims.decide, actor, claim_id, approve=decision != "reject",
                  liable=decision if decision != "reject" else "", carrier_code=request.POST.get("carrier", ""),
                  note=request.POST.get("note", "")[:500])
        return redirect("logistics:operator-claims")
    open_claims = _shown(visible_claims(actor).filter(state=Claim.OPEN).prefetch_related("shipment__legs__carrier"),
                         request.LANGUAGE_CODE)
    for c in open_claims:
        carriers = {leg.carrier.code: leg.carrier for leg in c.shipment.legs.all()}
        c.carrier_caps = [(code, claims.carrier_cap(carriers[code], c.shipment)) for code in sorted(carriers)]
    return render(request, "logistics/operator_claims.html", {
        "open_claims": open_claims, "decided": _shown(visible_claims(actor).exclude(state=Claim.OPEN)[:50], request.LANGUAGE_CODE),
        "overdue_returns": returns.awaiting_operator().select_related("shipment")})
