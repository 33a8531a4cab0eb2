"""Batch forms of the payment use cases, for the scheduled jobs and the simulator: each item as the
single form would do it — the same checks in the same order, a refused one giving its error in its
place and changing nothing — with the batch's payments read and locked in one query instead of one
each, and its writes made together: the new payments in one insert, the provider asked once for
them all (`PaymentProvider.*_many`), the audit entries chained at the end (`audit.batch`).

Starting payments has one step the batch cannot answer per item: a provider that refuses a
payment after it was opened (or a racing twin that opened it first). Then the whole batch is rolled
back and made one by one, each in its own savepoint, as the single form does."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import insert, save_many
from ewtp.core.errors import AppError, NotFound
from ewtp.payments.models import Payment
from ewtp.payments.providers import get_provider
from ewtp.payments.services import (
    Start,
    audit_start,
    check_capturable,
    kept_payment,
    new_payment,
    open_payment,
    start_figures,
)

CHUNK = 500  # rows per IN list or insert: under SQLite's bound-parameter limit


def _locked(refs: Sequence[str]) -> dict[str, Payment]:
    todo = sorted(set(refs))
    found: dict[str, Payment] = {}
    for i in range(0, len(todo), CHUNK):
        found.update((p.order_ref, p) for p in Payment.objects.select_for_update().filter(order_ref__in=todo[i:i + CHUNK]))
    return found


def _by_provider(items: Sequence[tuple[Payment, object]]) -> dict[str, list[tuple[Payment, object]]]:
    groups: dict[str, list[tuple[Payment, object]]] = {}
    for p, x in items:
        groups.setdefault(p.provider, []).append((p, x))
    return groups


def start_payments(starts: Sequence[Start]) -> list[Payment | AppError]:
    """`services.start_payment` for each (with its card: authorised with the new row in hand)."""
    with transaction.atomic():
        known = _locked([s.order_ref for s in starts if s.order_ref])
        try:
            with audit.batch():  # a savepoint: the batch is kept whole or not at all
                return _open_many(starts, dict(known))
        except (IntegrityError, AppError):
            pass  # one by one below: each start answered as the single form answers it
        out: list[Payment | AppError] = []
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


def _open_many(starts: Sequence[Start], known: dict[str, Payment]) -> list[Payment | AppError]:
    out: list[Payment | AppError] = []
    opened: list[tuple[Payment, Start]] = []
    for s in starts:
        try:  # services.open_payment's checks, in its order
            figures = start_figures(s)
            adapter = get_provider(s.provider)
            existing = known.get(s.order_ref)
            if existing is not None:
                out.append(kept_payment(s, figures, existing))
                continue
            if s.card_number is not None:
                adapter.check_card(s.card_number)
        except AppError as err:
            out.append(err)
            continue
        p = known[s.order_ref] = new_payment(s, figures)
        opened.append((p, s))
        out.append(p)
    new = [p for p, _ in opened]
    for i in range(0, len(new), CHUNK):
        insert(new[i:i + CHUNK])
    for name, group in _by_provider(opened).items():
        refs = get_provider(name).create_payments([p for p, _ in group])
        for (p, _), ref in zip(group, refs, strict=True):
            p.provider_ref = ref
    save_many(new, ["provider_ref"])  # one prepared statement for them all (each row its own value)
    for name, group in _by_provider([(p, s.card_number) for p, s in opened if s.card_number is not None]).items():
        refused = next((e for e in get_provider(name).authorise_many(group) if e is not None), None)
        if refused is not None:
            raise refused  # after its payment was opened: the batch is made one by one instead
    for p, s in opened:
        audit_start(s, p)
        if s.card_number is not None:
            audit.record(s.actor, "payments.authorise_requested", p)
    return out


def capture_payments(actor: Actor | str, refs: Sequence[str]) -> list[Payment | AppError]:
    """`services.capture_payment` for each order reference."""
    out: list[Payment | AppError] = []
    asked: list[tuple[Payment, int]] = []  # (payment, its place in out)
    with audit.batch():
        known = _locked(refs)
        for ref in refs:
            p = known.get(ref)
            try:
                if p is None:
                    raise NotFound(f"no payment for order {ref!r}")
                check_capturable(p)
            except AppError as err:
                out.append(err)
                continue
            asked.append((p, len(out)))
            out.append(p)
        for name, group in _by_provider(asked).items():
            refused = get_provider(name).capture_many([p for p, _ in group])
            for (_, at), err in zip(group, refused, strict=True):
                if err is not None:
                    out[at] = err
        for p, at in asked:
            if out[at] is p:
                audit.record(actor, "payments.capture_requested", p)
    return out
