"""Refunds the provider could not pay, and the hub operator's two ways out.

When a provider reports a refund failed (a closed card, an expired account), the ledger puts the
money back where it came from: into escrow for a refund out of escrow, to the seller's balance,
the carrier's receivable or the hub's claims for a return or claim refund (`escrow.refund_failed`,
`adjustments.refund_failed`). The buyer is still owed it. Nothing would otherwise move it again, so
every failed refund without a retry is in the operator's queue until it is retried:

- through the provider again (a new refund request for the same amount, confirmed by webhook as
  any other), or
- by a bank transfer the hub has made itself: the operator records the transfer's reference, the
  money leaves through the hub's bank clearing account at once and the refund has succeeded.

Either way the retry books again exactly what the failed refund had booked (a return refund's
legs, FX and margin included, at the first conversion's rate), so the buyer gets the same amount
and the seller is charged the same. A refund is retried at most once (a unique link); a retry that
fails joins the queue in its turn.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.permissions import require_role
from ewtp.payments import accounts, escrow, ledger
from ewtp.payments.ledger import Entry
from ewtp.payments.models import FxConversion, LedgerTransaction, Refund
from ewtp.payments.providers import get_provider

BANK = "bank_transfer"  # the provider-clearing account the hub's own bank transfers go out through
ESCROW = "escrow"


def queue() -> QuerySet[Refund]:
    """Failed refunds nobody has retried yet, oldest first."""
    return Refund.awaiting_retry().select_related("escrow", "tx").order_by("pk")


def origin(r: Refund) -> str:
    """Where the refunded money came from: "escrow", or the kind of the transaction that booked it
    outside escrow ("return_refund", "claim_payment")."""
    return ESCROW if r.tx is None or r.tx.kind == "escrow_refund" else r.tx.kind


def _last(refund_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """{refund id: (id, state) of its last attempt}: itself, or the end of its chain of retries;
    one query per step along the chains, whatever the number of refunds."""
    out: dict[int, tuple[int, str]] = {}
    todo = {i: i for i in refund_ids}  # an attempt to look at -> the refund it answers for
    while todo:
        step: dict[int, int] = {}
        for pk, state, retry in Refund.objects.filter(pk__in=list(todo)).values_list("pk", "state", "retry__pk"):
            if retry is None:
                out[todo[pk]] = (pk, state)
            else:
                step[retry] = todo[pk]
        todo = step
    return out


def latest(refund_id: int) -> Refund | None:
    """The last attempt of a refund: itself, or the end of its chain of retries."""
    last = _last([refund_id]).get(refund_id)
    return Refund.objects.get(pk=last[0]) if last else None


def latest_states(refund_ids: Iterable[int]) -> dict[int, str]:
    """{refund id: the state of its last attempt}, for a list of returns or claims at once."""
    return {i: state for i, (_, state) in _last(refund_ids).items()}


def recent_retries(limit: int = 20) -> QuerySet[Refund]:
    """The latest retries, newest first (the operator's page shows what became of them)."""
    return Refund.objects.filter(retry_of__isnull=False).select_related("escrow").order_by("-pk")[:limit]


def _rebook(original: LedgerTransaction) -> int:
    """Post again what `original` posted (the failure reversed it exactly), as a correction of
    that reversal, with the original's FX conversions."""
    undone = LedgerTransaction.objects.filter(corrects_id=original.pk).order_by("-pk").values_list("pk", flat=True)
    entry = Entry(f"{original.kind}_retry"[:32], original.reference, corrects_id=undone.first())
    for p in original.postings.select_related("account").order_by("pk"):
        entry.add(p.account, p.amount_minor)
    tx_id = ledger.post(entry)
    conversions = list(FxConversion.objects.filter(tx=original))
    for c in conversions:
        c.pk, c.tx_id = None, tx_id
    FxConversion.objects.bulk_create(conversions)
    return tx_id


def _checked(method: str, bank_reference: str) -> str:
    if method not in (Refund.PROVIDER, Refund.BANK_TRANSFER):
        raise ValidationFailed.field("method", "provider or bank_transfer")
    bank_reference = bank_reference.strip()
    if method == Refund.BANK_TRANSFER and not bank_reference:
        raise ValidationFailed.field("bank_reference", "the reference of the hub's bank transfer is required")
    if len(bank_reference) > 80:
        raise ValidationFailed.field("bank_reference", "at most 80 characters")
    return bank_reference if method == Refund.BANK_TRANSFER else ""


def retry(actor: Actor, refund_id: int, method: str = Refund.PROVIDER, bank_reference: str = "") -> Refund:
    """Retry the failed refund `refund_id` (hub operator only); returns the new attempt."""
    require_role(actor, [Role.HUB_OPERATOR])
    bank_reference = _checked(method, bank_reference)
    with transaction.atomic():
        failed = (Refund.objects.select_for_update(of=("self",)).select_related("escrow", "tx")
                  .filter(pk=refund_id).first())
        if failed is None:
            raise NotFound(f"refund {refund_id} not found")
        if failed.state != Refund.FAILED:
            raise Conflict(f"refund {failed.pk} is {failed.state}: only a failed refund can be retried")
        done = Refund.objects.filter(retry_of=failed).values_list("pk", flat=True).first()
        if done is not None:
            raise Conflict(f"refund {failed.pk} was already retried as refund {done}")
        e, reason = failed.escrow, f"retry of refund {failed.pk}"
        if origin(failed) == ESCROW:
            new = escrow.refund(actor, e.order_ref, failed.amount, reason, retrying=failed.pk)
        else:
            new = Refund.objects.create(escrow=e, tx_id=_rebook(failed.tx), amount_minor=failed.amount_minor,
                                        currency=failed.currency, reason=reason)
        new.retry_of, new.method, new.bank_reference = failed, method, bank_reference
        if method == Refund.PROVIDER:
            new.provider_ref = get_provider(e.provider).refund(new)
        else:  # paid already, by the hub's bank: the money leaves the provider's refunds account now
            ledger.post(Entry("refund_out_bank", f"refund:{new.pk}")
                        .add(accounts.refunds_out(e.provider, new.currency), -new.amount_minor)
                        .add(accounts.clearing(BANK, new.currency), new.amount_minor))
            new.state = Refund.SUCCEEDED
        try:
            with transaction.atomic():
                new.save(update_fields=["retry_of", "method", "bank_reference", "provider_ref", "state"])
        except IntegrityError as exc:  # a concurrent retry won the unique link
            raise Conflict(f"refund {failed.pk} was already retried") from exc
        audit.record(actor, "payments.refund_retried", new, before={"failed_refund": failed.pk},
                     after={"method": method, "bank_reference": bank_reference, "state": new.state,
                            "amount": new.amount_minor, "currency": new.currency})
    return new
