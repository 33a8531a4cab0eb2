"""Read-side queries shared by the API, the pages and the CLI (no state changes here)."""

from __future__ import annotations

import csv
import io

from django.db.models import Sum

from ewtp.core.money import Money
from ewtp.payments import shards
from ewtp.payments.models import Account, Escrow, Kind, Owner, Posting, Refund

SELLER_KINDS = [Kind.ESCROW, Kind.SELLER_AVAILABLE, Kind.SELLER_PAYABLE_OUT]


def seller_accounts(org_id: int) -> list[Account]:
    return list(
        Account.objects.filter(owner_type=Owner.SELLER, owner_id=str(org_id)).order_by("kind", "currency")
    )


def postings(account: Account, *, before_tx: int | None = None, limit: int = 100) -> list[Posting]:
    """The logical account's postings, newest first: a hot account's are spread over its shard
    rows, and the sweeps between them are internal moves, left out."""
    if account.shards > 1:
        qs = Posting.objects.filter(account_id__in=shards.shard_ids(account)).exclude(tx__kind=shards.SWEEP)
    else:
        qs = Posting.objects.filter(account=account)
    qs = qs.select_related("tx").order_by("-tx_id", "-id")
    if before_tx is not None:
        qs = qs.filter(tx_id__lt=before_tx)
    return list(qs[:limit])


def paid_out(org_id: int) -> dict[str, int]:
    """What each currency's payouts have moved out of the hub to the seller (from the ledger)."""
    rows = (
        Posting.objects.filter(
            account__owner_type=Owner.SELLER,
            account__owner_id=str(org_id),
            account__kind=Kind.SELLER_PAYABLE_OUT,
            tx__kind="payout_out",
        )
        .values("currency")
        .annotate(total=Sum("amount_minor"))
    )
    return {r["currency"]: -r["total"] for r in rows}


def totals() -> list[tuple[str, str, int]]:
    """Balance per currency and account kind, across all owners."""
    rows = (
        Account.objects.values("currency", "kind")
        .annotate(total=Sum("balance_minor"))
        .order_by("currency", "kind")
    )
    return [(r["currency"], r["kind"], r["total"]) for r in rows]


def statement_csv(org_id: int, currency: str | None = None) -> str:
    """Every posting on the seller's accounts, oldest first, with a running balance per account."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["tx_id", "date", "account", "currency", "kind", "reference", "amount", "balance"])
    accounts = {a.pk: a for a in seller_accounts(org_id) if currency is None or a.currency == currency}
    running: dict[int, int] = {}
    qs = Posting.objects.filter(account_id__in=list(accounts)).select_related("tx").order_by("tx_id", "id")
    for p in qs.iterator(chunk_size=2000):
        running[p.account_id] = running.get(p.account_id, 0) + p.amount_minor
        a = accounts[p.account_id]
        ref = p.tx.reference
        if ref[:1] in "=+-@":  # keep spreadsheet software from running a reference as a formula
            ref = "'" + ref
        w.writerow(
            [
                p.tx_id,
                p.tx.created_at.date().isoformat(),
                a.kind,
                a.currency,
                p.tx.kind,
                ref,
                Money.from_minor(p.amount_minor, a.currency).amount,
                Money.from_minor(running[p.account_id], a.currency).amount,
            ]
        )
    return out.getvalue()


def paid_back_minor(e: Escrow) -> int:
    """What has gone (or is on its way) back to the order's buyer, in the escrow's currency:
    refunds out of escrow, a return's refund, a claim paid to the buyer. A failed refund counts
    through its retry, not itself."""
    return int(Refund.objects.filter(escrow=e).exclude(state=Refund.FAILED).aggregate(t=Sum("amount_minor"))["t"] or 0)
