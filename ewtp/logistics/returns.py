"""Returns: the buyer asks within the seller's return window (default 14 days after delivery);
the seller approves or rejects — or, once the seller has let EWTP_LOGISTICS_RETURN_SELLER_DAYS
pass, the hub operator decides; an approved return gets a reverse shipment (with its label);
on receipt the seller records the condition and the refund goes out (ewtp.payments.adjustments:
from escrow while held, else from the seller's balance), with the duty/tax refund status.

While a return is open the order's escrow is on hold, so it is not auto-released meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ewtp.accounts.models import Organisation
from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.compiled import CompiledQuery, create, save_fields
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.permissions import can_access, get_accessible
from ewtp.logistics.models import ReturnPolicy, ReturnRequest, Shipment
from ewtp.logistics.models.policies import DEFAULT_RETURN_WINDOW_DAYS
from ewtp.logistics.reverse import create_reverse_shipment
from ewtp.payments import adjustments, escrow

OPEN = (ReturnRequest.REQUESTED, ReturnRequest.APPROVED, ReturnRequest.IN_TRANSIT, ReturnRequest.RECEIVED)
HOLD_REASON = "return requested"


def window_days(seller_id: int) -> int:
    days = ReturnPolicy.objects.filter(seller_id=seller_id).values_list("window_days", flat=True).first()
    return DEFAULT_RETURN_WINDOW_DAYS if days is None else days


def set_window(actor: Actor, seller_id: int, days: int) -> ReturnPolicy:
    if not (actor.is_operator or (actor.role == Role.SELLER and seller_id in actor.org_ids)):
        raise Forbidden("only the seller or a hub operator sets the return window")
    if not 0 <= days <= 365:
        raise ValidationFailed.field("window_days", "between 0 and 365 days")
    if not Organisation.objects.filter(pk=seller_id, kind=Organisation.SELLER).exists():
        raise ValidationFailed.field("seller_id", "a seller organisation")
    with transaction.atomic():
        policy, _ = ReturnPolicy.objects.update_or_create(seller_id=seller_id, defaults={"window_days": days})
        audit.record(actor, "logistics.return_window", policy, after={"window_days": days})
    return policy


def seller_deadline(r: ReturnRequest) -> datetime:
    return r.requested_at + timedelta(days=settings.EWTP_LOGISTICS_RETURN_SELLER_DAYS)


def _snapshot(r: ReturnRequest) -> dict:
    return {"state": r.state, "refund_minor": r.refund_minor, "refund_currency": r.refund_currency,
            "duty_tax_refund": r.duty_tax_refund}


def _hold(actor: Actor, order_ref: str, hold: bool) -> None:
    """Hold (or free) the order's escrow while a return is open; nothing to do if it was never paid
    into escrow or is already resolved. Another hold (the operator's dispute or fraud check) is
    neither replaced nor lifted: only the return's own."""
    try:
        e = escrow.locked(order_ref)
    except NotFound:
        return
    if hold and e.remaining_minor > 0 and not e.hold_reason:
        escrow.set_hold(actor, order_ref, HOLD_REASON)
    elif not hold and e.hold_reason == HOLD_REASON:
        escrow.set_hold(actor, order_ref, "")


def request_return(actor: Actor, tracking_no: str, reason: str, now: datetime | None = None) -> ReturnRequest:
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed.field("reason", "say why the goods go back")
    with transaction.atomic():
        s = _accessible(actor, _shipment_locked, tracking_no, "shipment") if type(tracking_no) is str else (
            get_accessible(actor, Shipment.objects.select_for_update(), "shipment", tracking_no=tracking_no))
        if actor.user_id != s.buyer_id:
            raise Forbidden("only the buyer asks for a return")
        if s.direction != Shipment.FORWARD or s.status != "delivered" or s.delivered_at is None:
            raise Conflict("a return can be asked for once the shipment is delivered")
        closes = s.delivered_at + timedelta(days=window_days(s.seller_id))
        if now > closes:
            raise Conflict(f"the return window closed on {closes:%Y-%m-%d}", code="return_window_closed")
        if s.returns.filter(state__in=OPEN + (ReturnRequest.REFUNDED,)).exists():
            raise Conflict("this shipment already has a return")
        r = create(ReturnRequest, shipment=s, order_ref=s.order_ref, buyer_id=s.buyer_id, seller_id=s.seller_id,
                   reason=reason[:500])
        _hold(actor, s.order_ref, True)
        audit.record(actor, "logistics.return_request", r, after=_snapshot(r) | {"reason": r.reason})
    return r


# get_accessible's queries, asked at every step of a return: compiled once
_shipment_locked = CompiledQuery(lambda no: Shipment.objects.select_for_update().filter(tracking_no=no)
                                 .order_by("pk")[:1], texts=(0,))
_return_locked = CompiledQuery(lambda pk: ReturnRequest.objects.select_for_update().select_related("shipment")
                               .filter(pk=pk).order_by()[:1])


_FIELDS = [f.name for f in ReturnRequest._meta.concrete_fields if not f.primary_key]


def _accessible(actor: Actor, query: CompiledQuery, key: int | str, what: str):
    """`get_accessible` through a compiled query: 404 when missing or someone else's."""
    obj = query.first(key)
    if obj is None or not can_access(actor, obj):
        raise NotFound(f"{what} not found")
    return obj


def _locked(actor: Actor, return_id: int) -> ReturnRequest:
    if type(return_id) is int:
        return _accessible(actor, _return_locked, return_id, "return")
    return get_accessible(actor, ReturnRequest.objects.select_for_update().select_related("shipment"),
                          "return", pk=return_id)


def decide(actor: Actor, return_id: int, approve: bool, note: str = "", now: datetime | None = None) -> ReturnRequest:
    now = now or timezone.now()
    with transaction.atomic():
        r = _locked(actor, return_id)
        if actor.is_operator:
            if now < seller_deadline(r):
                raise Conflict(f"the seller decides until {seller_deadline(r):%Y-%m-%d %H:%M} UTC")
        elif not (actor.role == Role.SELLER and r.seller_id in actor.org_ids):
            raise Forbidden("the seller (or, after the seller's time, the hub operator) decides a return")
        if r.state != ReturnRequest.REQUESTED:
            raise Conflict(f"the return is already {r.state}")
        if not approve and not note.strip():
            raise ValidationFailed.field("note", "give the buyer a reason for the rejection")
        before = _snapshot(r)
        r.decided_by, r.decision_note, r.decided_at = actor.audit_name, note.strip()[:500], now
        if approve:
            r.state = ReturnRequest.APPROVED
            r.return_shipment = create_reverse_shipment(r.shipment)
        else:
            r.state = ReturnRequest.REJECTED
            _hold(actor, r.order_ref, False)
        save_fields(r, _FIELDS)  # every field, as r.save() writes them
        audit.record(actor, f"logistics.return_{r.state}", r, before=before, after=_snapshot(r))
    return r


def confirm_receipt(actor: Actor, return_id: int, condition: str) -> ReturnRequest:
    """The seller has the goods back: record their condition and refund the buyer."""
    condition = condition.strip()
    if not condition:
        raise ValidationFailed.field("condition", "describe the condition the goods came back in")
    with transaction.atomic():
        r = _locked(actor, return_id)
        if not (actor.is_operator or (actor.role == Role.SELLER and r.seller_id in actor.org_ids)):
            raise Forbidden("the seller confirms the receipt of a return")
        if r.state not in (ReturnRequest.APPROVED, ReturnRequest.IN_TRANSIT, ReturnRequest.RECEIVED):
            raise Conflict(f"a return that is {r.state} cannot be received")
        before = _snapshot(r)
        r.condition, r.received_at, r.state = condition[:200], timezone.now(), ReturnRequest.RECEIVED
        refund = adjustments.refund_return(actor, r.order_ref, f"return:{r.pk}", f"return {r.pk}: {condition}"[:200])
        _hold(actor, r.order_ref, False)  # what is left in escrow (if anything) is the seller's again
        r.refund_minor, r.refund_currency = refund.amount.to_minor(), refund.amount.currency
        r.refund_source, r.refund_ref = refund.source, f"refund:{refund.refund_id}"
        r.duty_tax_refund = refund.duty_tax
        r.state = ReturnRequest.REFUNDED
        save_fields(r, _FIELDS)  # every field, as r.save() writes them
        audit.record(actor, "logistics.return_refunded", r, before=before, after=_snapshot(r))
    return r


def awaiting_operator(now: datetime | None = None):
    """Return requests the seller has not decided in time: the hub operator's to decide."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EWTP_LOGISTICS_RETURN_SELLER_DAYS)
    return ReturnRequest.objects.filter(state=ReturnRequest.REQUESTED, requested_at__lte=cutoff).order_by("requested_at")


def follow_return_shipments(actor: Actor | str = "system") -> int:
    """Approved returns whose reverse shipment has moved (a carrier event set its status) are in
    transit. Polled (from `ewtp market sync`); idempotent."""
    moving = ReturnRequest.objects.filter(state=ReturnRequest.APPROVED).exclude(
        return_shipment__status="info_received").exclude(return_shipment=None)
    n = 0
    for r in moving.select_related("return_shipment"):
        with transaction.atomic():
            updated = ReturnRequest.objects.filter(pk=r.pk, state=ReturnRequest.APPROVED).update(
                state=ReturnRequest.IN_TRANSIT)
            if updated:
                audit.record(actor, "logistics.return_in_transit", r, before={"state": ReturnRequest.APPROVED},
                             after={"state": ReturnRequest.IN_TRANSIT, "shipment_status": r.return_shipment.status})
                n += 1
    return n
