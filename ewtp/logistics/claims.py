"""Claims for lost or damaged parcels: filed by the buyer or the seller with evidence, decided
by the hub operator — rejected with a reason, or approved with the liable party: a carrier of
the shipment's route (its liability is capped at liability_per_kg x the shipment's weight, the
rest falls to the hub) or the hub itself — and then paid through the ledger
(ewtp.payments.adjustments.pay_claim).

What may be claimed: a buyer, at most what it paid for the order (in that currency); a seller,
at most the declared value of the contents (in their currency). A lost claim is for a parcel
not delivered; a damaged claim for one that was."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, Forbidden, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import get_accessible
from ewtp.logistics.models import Carrier, Claim, Parcel, ParcelItem, Shipment
from ewtp.payments import adjustments, queries
from ewtp.payments.models import Escrow

MAX_EVIDENCE = 10


def _claimable(actor: Actor, s: Shipment) -> tuple[str, Money]:
    """(payee, the most that may be claimed) for this claimant."""
    if actor.user_id is not None and actor.user_id == s.buyer_id:
        e = Escrow.objects.filter(order_ref=s.order_ref).first()
        if e is None:
            raise Conflict("the order has no payment to compensate")
        left = e.held_minor - queries.paid_back_minor(e)  # what the buyer paid, less what came back
        if left <= 0:
            raise Conflict("the buyer has been refunded all it paid for the order: nothing left to claim")
        return "buyer", e.money(left)
    if actor.role == Role.SELLER and s.seller_id in actor.org_ids:
        values = list(ParcelItem.objects.filter(parcel__shipment=s).values_list("value", "currency"))
        currencies = {c for _, c in values}
        if len(currencies) != 1:
            raise Conflict("the declared contents need one currency to claim their value")
        return "seller", Money(sum((v for v, _ in values), Decimal(0)), currencies.pop())
    raise Forbidden("the buyer or the seller of the shipment files a claim")


def file_claim(actor: Actor, tracking_no: str, kind: str, amount: Decimal, evidence: list[str]) -> Claim:
    if kind not in (Claim.LOST, Claim.DAMAGED):
        raise ValidationFailed.field("kind", "lost or damaged")
    evidence = [e.strip()[:300] for e in evidence if e.strip()]
    if not evidence or len(evidence) > MAX_EVIDENCE:
        raise ValidationFailed.field("evidence", f"1 to {MAX_EVIDENCE} descriptions or photo references")
    with transaction.atomic():
        s = get_accessible(actor, Shipment.objects.select_for_update(), "shipment", tracking_no=tracking_no)
        payee, most = _claimable(actor, s)
        delivered = s.status == "delivered"
        if kind == Claim.LOST and delivered:
            raise Conflict("a delivered shipment is not lost; claim for damage instead")
        if kind == Claim.DAMAGED and not delivered:
            raise Conflict("damage is claimed once the shipment is delivered")
        money = Money(amount, most.currency)
        if money.amount <= 0 or not money.is_rounded() or money.amount > most.amount:
            raise ValidationFailed.field("amount", f"between 0 and {most.amount} {most.currency}, in minor units")
        if s.claims.filter(state__in=(Claim.OPEN, Claim.APPROVED, Claim.PAID)).exists():
            raise Conflict("this shipment already has a claim")
        c = Claim.objects.create(shipment=s, kind=kind, claimant_id=actor.user_id, evidence=evidence,
                                 amount_minor=money.to_minor(), currency=money.currency)
        audit.record(actor, "logistics.claim_file", c, after={"kind": kind, "amount": str(money.amount),
                                                               "currency": money.currency, "payee": payee})
    return c


def carrier_cap(carrier: Carrier, shipment: Shipment) -> Money:
    """The carrier's liability limit for this shipment: per kg x the parcels' weight, rounded down."""
    weight = sum(Parcel.objects.filter(shipment=shipment).values_list("weight_kg", flat=True), Decimal(0))
    return Money(carrier.liability_per_kg * weight, carrier.currency).rounded(ROUND_DOWN)


def decide(actor: Actor, claim_id: int, *, approve: bool, liable: str = "", carrier_code: str = "",
           note: str = "", rates=None) -> Claim:
    if not actor.is_operator:
        raise Forbidden("the hub operator decides claims")
    with transaction.atomic():
        c = get_accessible(actor, Claim.objects.select_for_update().select_related("shipment"), "claim", pk=claim_id)
        if c.state != Claim.OPEN:
            raise Conflict(f"the claim is already {c.state}")
        before = {"state": c.state}
        c.decided_by, c.decision_note, c.decided_at = actor.audit_name, note.strip()[:500], timezone.now()
        if not approve:
            if not c.decision_note:
                raise ValidationFailed.field("note", "give the claimant the reason for the rejection")
            c.state = Claim.REJECTED
            c.save()
            audit.record(actor, "logistics.claim_reject", c, before=before, after={"state": c.state})
            return c
        carrier, cap = None, None
        if liable == Claim.CARRIER:
            # from the shipment's few legs: the join from the carrier's side read all its legs ever
            carrier = next((leg.carrier for leg in c.shipment.legs.select_related("carrier")
                            if leg.carrier.code == carrier_code), None)
            if carrier is None:
                raise ValidationFailed.field("carrier_code", "a carrier of this shipment's route")
            cap = carrier_cap(carrier, c.shipment)
        elif liable != Claim.HUB:
            raise ValidationFailed.field("liable", "carrier or hub")
        c.state, c.liable, c.liable_carrier = Claim.APPROVED, liable, carrier
        s = c.shipment
        buyer = c.claimant_id == s.buyer_id
        paid = adjustments.pay_claim(
            actor, reference=f"claim:{c.pk}", amount=Money.from_minor(c.amount_minor, c.currency),
            payee="buyer" if buyer else "seller", order_ref=s.order_ref, seller_org_id=s.seller_id,
            carrier_code=carrier.code if carrier else "", carrier_cap=cap, rates=rates)
        c.state, c.ledger_ref = Claim.PAID, f"tx:{paid.tx_id}"
        c.save()
        audit.record(actor, "logistics.claim_paid", c, before=before, after={
            "state": c.state, "liable": liable, "carrier": carrier_code, "carrier_part": str(paid.carrier_part.amount),
            "hub_part": str(paid.hub_part.amount), "tx": paid.tx_id})
    return c
