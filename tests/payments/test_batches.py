"""The payment batch forms (`payments.batches`) are the single forms one by one: the same payments,
sandbox records, webhooks waiting and audit entries, a refused item in its place changing nothing."""

from __future__ import annotations

import pytest

from ewtp.core.errors import AppError, Conflict, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.payments import batches, services
from ewtp.payments.models import Payment, SandboxOutbox, SandboxRecord
from ewtp.payments.providers.base import PaymentProvider
from ewtp.payments.providers.sandbox import SandboxProvider
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


class _OneByOne(SandboxProvider):
    """A provider without batch calls: the base class's forms, one call each, and no card check
    before a payment is opened (a bad card is refused by `authorise`, after the payment is open)."""

    create_payments = PaymentProvider.create_payments
    check_card = PaymentProvider.check_card
    authorise_many = PaymentProvider.authorise_many
    capture_many = PaymentProvider.capture_many

    def authorise(self, payment: Payment, card_number: str) -> None:
        SandboxProvider.check_card(self, card_number)
        super().authorise(payment, card_number)


def test_a_provider_without_batch_calls_gives_the_same(monkeypatch):
    """Its refusal of a card after the payment was opened sends the batch one by one (each start in
    its own savepoint, as the single form): the same payments, records, webhooks and audit entries."""
    since = _since()
    batches.start_payments(_starts("E"))
    Payment.objects.filter(order_ref="E-0").update(state=Payment.AUTHORISED)  # (its webhook, in short)
    batches.capture_payments("hub", ["E-0", "E-0", "E-9"])
    expected = _records("E", since)
    one_by_one = _OneByOne.from_settings()
    for module in (batches, services):
        monkeypatch.setattr(module, "get_provider", lambda name: one_by_one)
    since = _since()
    results = batches.start_payments(_starts("F"))
    assert [type(r).__name__ for r in results if not isinstance(r, Payment)] == ["ValidationFailed",
                                                                                 "ValidationFailed", "Conflict"]
    Payment.objects.filter(order_ref="F-0").update(state=Payment.AUTHORISED)
    captured = batches.capture_payments("hub", ["F-0", "F-0", "F-9"])
    assert [type(r).__name__ for r in captured] == ["Payment", "ProviderError", "NotFound"]
    assert _records("F", since) == expected
