"""Payouts: batched per seller and currency. A payout moves the whole available balance to
`seller_payable_out`; the provider's confirmation moves it out of the hub (through the
provider's clearing account); a failed payout returns it to `seller_available`."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.errors import Conflict, NotFound
from ewtp.payments import accounts, ledger
from ewtp.payments.ledger import Entry
from ewtp.payments.models import Account, Kind, Owner, Payout


def create_batch(actor: Actor | str, provider: str, *, seller_org_id: int | None = None) -> list[Payout]:
    """One payout per seller and currency with a positive available balance, posted as one
    batch. The provider is asked to pay them after the commit (see services.run_payouts)."""
    batch = uuid.uuid4().hex[:16]
    with transaction.atomic():
        qs = Account.objects.filter(kind=Kind.SELLER_AVAILABLE, owner_type=Owner.SELLER, balance_minor__gt=0)
        if seller_org_id is not None:
            qs = qs.filter(owner_id=str(seller_org_id))
        candidates = list(qs.order_by("id"))
        outs = {a.pk: accounts.seller_payable_out(int(a.owner_id), a.currency) for a in candidates}
        # lock both sides of every payout in one ascending-id sweep, like the ledger does, so a
        # payout run and a settling payout can never wait on each other in a cycle
        ids = sorted({a.pk for a in candidates} | {o.pk for o in outs.values()})
        locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("id")}
        payouts, entries = [], []
        for cand in candidates:
            acc = locked[cand.pk]
            if acc.balance_minor <= 0:  # paid out by a concurrent run meanwhile
                continue
            p = Payout(
                seller_org_id=int(acc.owner_id),
                currency=acc.currency,
                amount_minor=acc.balance_minor,
                provider=provider,
                batch=batch,
            )
            payouts.append(p)
            entries.append(
                Entry("payout", f"payout-batch:{batch}")
                .add(acc, -acc.balance_minor)
                .add(outs[acc.pk], acc.balance_minor)
            )
        if not entries:
            return []
        ledger.post_batch(entries)
        Payout.objects.bulk_create(payouts)
        payouts = list(Payout.objects.filter(batch=batch).order_by("id"))
        audit.record(
            actor,
            "payments.payout_batch",
            object_type="payments.payout",
            object_id=batch,
            after={"payouts": [[p.pk, p.seller_org_id, p.currency, p.amount_minor] for p in payouts]},
        )
    return payouts


def _locked(payout_id: int) -> Payout:
    p = Payout.objects.select_for_update().filter(pk=payout_id).first()
    if p is None:
        raise NotFound(f"no payout {payout_id}")
    return p


def settle(actor: Actor | str, payout_id: int, *, paid: bool, reason: str = "") -> Payout:
    """The provider's answer: paid -> the money leaves the hub; failed -> back to available.
    A payout settles once; a repeated answer with the same outcome changes nothing."""
    with transaction.atomic():
        p = _locked(payout_id)
        target = Payout.PAID if paid else Payout.FAILED
        if not settles(p, target):
            return p
        ledger.post(settle_entry(p, paid))
        settled(p, target, reason, timezone.now())
        p.save(update_fields=["state", "settled_at", "failure_reason"])
        audit_settled(actor, p, target)
    return p


# `settle` in parts, for its batch form (settle_batch.py): the same checks, entry and changes

def settles(p: Payout, target: str) -> bool:
    """False when the (locked) payout has this outcome already; Conflict when it has another."""
    if p.state == target:
        return False
    if p.state != Payout.PENDING:
        raise Conflict(f"payout {p.pk} is already {p.state}")
    return True


def settle_entry(p: Payout, paid: bool) -> Entry:
    """The ledger transaction of the outcome: out of the hub through clearing, or back to available."""
    out = accounts.seller_payable_out(p.seller_org_id, p.currency)
    if paid:
        return (
            Entry("payout_out", f"payout:{p.pk}")
            .add(out, -p.amount_minor)
            .add(accounts.clearing(p.provider, p.currency), p.amount_minor)
        )
    return (
        Entry("payout_failed", f"payout:{p.pk}")
        .add(out, -p.amount_minor)
        .add(accounts.seller_available(p.seller_org_id, p.currency), p.amount_minor)
    )


def settled(p: Payout, target: str, reason: str, at: datetime) -> None:
    """The payout's new state (in memory)."""
    p.state, p.settled_at, p.failure_reason = target, at, reason[:200]


def audit_settled(actor: Actor | str, p: Payout, target: str) -> None:
    audit.record(
        actor,
        f"payments.payout_{target}",
        p,
        before={"state": Payout.PENDING},
        after={"state": target, "reason": p.failure_reason},
    )
