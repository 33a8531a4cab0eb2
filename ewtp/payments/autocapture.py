"""The hub captures a buyer's payment as soon as the provider authorises it: the money goes into
escrow at payment and is held there until delivery (the escrow, not a delayed capture, protects
the buyer). Each capture is its own request to the provider; the money enters escrow when the
provider confirms it (webhook). A refusal is left for the next run and reported."""

from __future__ import annotations

from dataclasses import dataclass, field

from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.errors import AppError
from ewtp.payments.batches import capture_payments
from ewtp.payments.models import Payment


@dataclass
class CaptureReport:
    captured: list[str] = field(default_factory=list)  # order references
    failed: list[str] = field(default_factory=list)  # "reference: why"


def capture_authorised(actor: Actor | str = SYSTEM, refs: list[str] | None = None,
                       limit: int = 10_000) -> CaptureReport:
    """Capture every authorised payment (of `refs` when given), oldest first."""
    qs = Payment.objects.filter(state=Payment.AUTHORISED)
    if refs is not None:
        qs = qs.filter(order_ref__in=refs)
    report = CaptureReport()
    refs = list(qs.order_by("pk").values_list("order_ref", flat=True)[:limit])
    for ref, r in zip(refs, capture_payments(actor, refs), strict=True):  # one batch, a savepoint each
        if isinstance(r, AppError):  # e.g. voided meanwhile: the provider's answer stands
            report.failed.append(f"{ref}: {r.message}")
        else:
            report.captured.append(ref)
    return report
