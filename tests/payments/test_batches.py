"""The payment batch forms (`payments.batches`) are the single forms one by one: the same payments,
sandbox records, webhooks waiting and audit entries, a refused item in its place changing nothing."""

from __future__ import annotations

import pytest

from ewtp.core.errors import AppError, Conflict, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.payments import batches, services
from ewtp.payments.models import Payment, SandboxOutbox, SandboxRecord
from ewtp.payments.services import Start

pytestmark = pytest.mark.django_db
GOOD, DECLINED = "4242424242424242", "4000000000000002"


def _starts(prefix: str) -> list[Start]:
    def s(i, card, amount="20.00"):
        return Start("buyer:1", f"{prefix}-{i}", Money(amount, "MYR"), 3, "MYR", card_number=card, buyer_user_id=1,
                     jurisdiction="SG", duty=Money("1.00", "MYR"), tax=Money("2.00", "MYR"))
    return [s(0, GOOD), s(1, DECLINED), s(2, "12"), s(3, GOOD, "5.0001"), s(0, GOOD), s(0, GOOD, "21.00"),
            s(4, None)]


def _since() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _records(prefix: str, since: int) -> tuple:
    pays = list(Payment.objects.filter(order_ref__startswith=prefix).order_by("pk").values_list(
        "order_ref", "state", "amount_minor", "fee_minor", "duty_minor", "tax_minor", "jurisdiction"))
    sandbox = list(SandboxRecord.objects.filter(reference__startswith=prefix).order_by("pk").values_list(
        "reference", "status", "flags", "amount_minor"))
    # (a webhook sent twice depends on the provider's reference, i.e. the row id: kinds only)
    waiting = sorted({b.split('"type": ')[1][:20] for b in SandboxOutbox.objects.filter(
        body__contains=f'"{prefix}-').values_list("body", flat=True)})
    audit = list(AuditEntry.objects.filter(seq__gt=since).order_by("seq").values_list("actor", "action", "after"))
    strip = [(a, act, {k: v for k, v in (after or {}).items()}) for a, act, after in audit]
    return [(r.split("-", 1)[1], *rest) for r, *rest in pays], [(r.split("-", 1)[1], *rest) for r, *rest in sandbox], \
        waiting, strip


def test_starting_a_batch_is_starting_one_by_one():
    since = _since()
    errors = []
    for s in _starts("A"):
        try:
            services.start(s)
        except (ValidationFailed, Conflict) as err:
            errors.append(type(err))
    expected = _records("A", since)
    since = _since()
    results = batches.start_payments(_starts("B"))
    assert [type(r) for r in results if not isinstance(r, Payment)] == errors == [ValidationFailed, ValidationFailed,
                                                                                  Conflict]
    assert _records("B", since) == expected
    assert [p[1] for p in expected[0]] == [Payment.CREATED, Payment.CREATED, Payment.CREATED]
    assert [p[1] for p in expected[1]] == ["authorised", "declined", "created"]


def test_capturing_a_batch_is_capturing_one_by_one():
    for prefix in ("C", "D"):
        batches.start_payments(_starts(prefix)[:2])
        Payment.objects.filter(order_ref__startswith=prefix).update(state=Payment.AUTHORISED)
    Payment.objects.filter(order_ref="C-1").update(state=Payment.DECLINED)
    Payment.objects.filter(order_ref="D-1").update(state=Payment.DECLINED)
    since = _since()
    errors = []
    for ref in ("C-0", "C-1", "C-9", "C-0"):
        try:
            services.capture_payment("hub", ref)
        except AppError as err:
            errors.append(type(err).__name__)
    expected = _records("C", since)
    since = _since()
    results = batches.capture_payments("hub", ["D-0", "D-1", "D-9", "D-0"])
    assert [type(r).__name__ for r in results if not isinstance(r, Payment)] == errors == \
        ["Conflict", "NotFound", "ProviderError"]
    assert _records("D", since) == expected
