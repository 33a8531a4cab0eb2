"""Batch forms of the payment use cases, for the scheduled jobs and the simulator: each item as the
single form would do it, in its own savepoint (a refused one gives its error in its place and
changes nothing), with the batch's payments read and locked in one query instead of one each."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from ewtp.core.actor import Actor
from ewtp.core.errors import AppError, NotFound
from ewtp.payments.models import Payment
from ewtp.payments.services import Start, capture_locked, open_payment, start_figures


def _locked(refs: Sequence[str]) -> dict[str, Payment]:
    todo = sorted(set(refs))
    found: dict[str, Payment] = {}
    for i in range(0, len(todo), 500):  # SQLite's bound-parameter limit
        found.update((p.order_ref, p) for p in Payment.objects.select_for_update().filter(order_ref__in=todo[i:i + 500]))
    return found


def start_payments(starts: Sequence[Start]) -> list[Payment | AppError]:
    """`services.start_payment` for each (with its card: authorised with the new row in hand)."""
    out: list[Payment | AppError] = []
    with transaction.atomic():
        known = _locked([s.order_ref for s in starts if s.order_ref])
        for s in starts:
            try:
                figures = start_figures(s)
                with transaction.atomic():
                    p = open_payment(s, figures, known.get(s.order_ref))
            except AppError as err:
                out.append(err)
                continue
            known[s.order_ref] = p
            out.append(p)
    return out


def capture_payments(actor: Actor | str, refs: Sequence[str]) -> list[Payment | AppError]:
    """`services.capture_payment` for each order reference."""
    out: list[Payment | AppError] = []
    with transaction.atomic():
        known = _locked(refs)
        for ref in refs:
            try:
                p = known.get(ref)
                if p is None:
                    raise NotFound(f"no payment for order {ref!r}")
                with transaction.atomic():
                    capture_locked(actor, p)
            except AppError as err:
                out.append(err)
                continue
            out.append(p)
    return out
