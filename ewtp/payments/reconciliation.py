"""Reconciliation: the provider's settled operations against the hub's ledger.

Each provider record (a captured payment, a succeeded refund, a paid payout) must match one
ledger movement through that provider's clearing accounts with the same kind, reference,
currency and amount, and vice versa. Anything else is listed as a difference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import gettext as _

from ewtp.payments.models import Kind, Owner, Posting
from ewtp.payments.providers import get_provider

# ledger transaction kind -> sign of the clearing posting (money in through the provider is negative)
KINDS = {"escrow_hold": -1, "refund_out": 1, "payout_out": 1}


@dataclass(frozen=True)
class Difference:
    kind: str
    reference: str
    currency: str
    provider_minor: int | None
    ledger_minor: int | None

    @property
    def problem(self) -> str:
        if self.provider_minor is None:
            return _("in the ledger, not at the provider")
        if self.ledger_minor is None:
            return _("at the provider, not in the ledger")
        return _("amounts differ")


@dataclass
class ReconciliationReport:
    provider: str
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def reconcile(provider: str) -> ReconciliationReport:
    adapter = get_provider(provider)
    theirs: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in adapter.records():
        theirs[(r.kind, r.reference, r.currency)] += r.amount_minor
    ours: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = (
        Posting.objects.filter(
            account__kind=Kind.PROVIDER_CLEARING,
            account__owner_type=Owner.PROVIDER,
            account__owner_id=provider,
            tx__kind__in=list(KINDS),
        )
        .values("tx__kind", "tx__reference", "currency")
        .annotate(total=Sum("amount_minor"))
    )
    for row in rows:
        ours[(row["tx__kind"], row["tx__reference"], row["currency"])] += (
            KINDS[row["tx__kind"]] * row["total"]
        )
    rep = ReconciliationReport(provider)
    for key in sorted(set(theirs) | set(ours)):
        a, b = theirs.get(key), ours.get(key)
        if a is not None and a == b:
            rep.matched += 1
        else:
            rep.differences.append(Difference(*key, provider_minor=a, ledger_minor=b))
    return rep
