"""Failed refunds: the operator's queue, a retry through the provider, the hub's own bank
transfer — the buyer is paid once, the books balance and reconcile."""

from __future__ import annotations

import pytest

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.payments import accounts, refund_retry, services
from ewtp.payments.models import Escrow, FxConversion, LedgerTransaction, Refund, SandboxRecord
from ewtp.payments.providers.sandbox import REFUND_FAILS
from ewtp.payments.reconciliation import reconcile
from ewtp.payments.verify import verify
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db
OP = Actor(role=Role.HUB_OPERATOR, user_id=None)


def _failed_escrow_refund(ref: str = "F-1", amount: str = "30.00") -> Refund:
    services.start_payment("test", order_ref=ref, amount=Money(amount, "MYR"), seller_org_id=7,
                           seller_currency="MYR", card_number=REFUND_FAILS, jurisdiction="MY")
    flush_webhooks()
    services.capture_payment("test", ref)
    flush_webhooks()
    services.request_refund("test", ref, Money(amount, "MYR"), "order cancelled")
    flush_webhooks()
    return Refund.objects.get(escrow__order_ref=ref)


def _card_fixed(ref: str) -> None:
    """The buyer's issuer has sorted the card out: the sandbox pays its refunds from now on."""
    SandboxRecord.objects.filter(kind="payment", reference=ref).update(flags="")


def test_failed_refund_waits_in_the_queue_until_retried_through_the_provider():
    failed = _failed_escrow_refund()
    assert failed.state == Refund.FAILED and list(refund_retry.queue()) == [failed]
    assert Escrow.objects.get(order_ref="F-1").remaining_minor == 3000  # back in escrow, still owed
    _card_fixed("F-1")
    retry = refund_retry.retry(OP, failed.pk)
    assert (retry.retry_of_id, retry.method, retry.state) == (failed.pk, Refund.PROVIDER, Refund.REQUESTED)
    assert list(refund_retry.queue()) == []
    flush_webhooks()
    retry.refresh_from_db()
    assert retry.state == Refund.SUCCEEDED and refund_retry.latest(failed.pk) == retry
    e = Escrow.objects.get(order_ref="F-1")
    assert (e.refunded_minor, e.remaining_minor, e.state) == (3000, 0, Escrow.VOIDED)
    assert accounts.refunds_out("sandbox", "MYR").balance_minor == 0
    assert verify().ok and reconcile("sandbox").ok


def test_a_retry_that_fails_again_joins_the_queue_and_a_bank_transfer_settles_it():
    failed = _failed_escrow_refund()
    again = refund_retry.retry(OP, failed.pk)
    flush_webhooks()
    again.refresh_from_db()
    assert again.state == Refund.FAILED and list(refund_retry.queue()) == [again]
    paid = refund_retry.retry(OP, again.pk, Refund.BANK_TRANSFER, " HSBC-2026-12-06-0042 ")
    assert (paid.state, paid.bank_reference) == (Refund.SUCCEEDED, "HSBC-2026-12-06-0042")
    assert list(refund_retry.queue()) == [] and refund_retry.latest(failed.pk) == paid
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:  # one query per step along the chains, not per refund
        states = refund_retry.latest_states([failed.pk, again.pk, paid.pk])
    assert states == dict.fromkeys([failed.pk, again.pk, paid.pk], Refund.SUCCEEDED) and len(ctx.captured_queries) == 3
    assert Escrow.objects.get(order_ref="F-1").refunded_minor == 3000
    assert accounts.refunds_out("sandbox", "MYR").balance_minor == 0
    assert accounts.clearing(refund_retry.BANK, "MYR").total_minor == 3000  # out through the hub's bank
    assert LedgerTransaction.objects.filter(kind="refund_out_bank", reference=f"refund:{paid.pk}").count() == 1
    assert verify().ok and reconcile("sandbox").ok


def test_what_a_failed_refund_owes_is_not_refunded_again_only_retried():
    failed = _failed_escrow_refund(amount="30.00")  # the 30.00 is back in escrow, owed to the buyer
    with pytest.raises(Conflict, match=f"failed refund {failed.pk} owes the buyer"):
        services.request_refund("test", "F-1", Money("30.00", "MYR"), "asked again")  # would pay twice
    with pytest.raises(Conflict):
        services.request_refund("test", "F-1", Money("0.01", "MYR"), "a cent more")
    paid = refund_retry.retry(OP, failed.pk, Refund.BANK_TRANSFER, "T-1")  # the retry takes its own share
    assert paid.state == Refund.SUCCEEDED and list(refund_retry.queue()) == []
    e = Escrow.objects.get(order_ref="F-1")
    assert (e.refunded_minor, e.remaining_minor) == (3000, 0) and verify().ok


def test_only_a_failed_refund_is_retried_and_only_once():
    failed = _failed_escrow_refund()
    with pytest.raises(Forbidden):
        refund_retry.retry(Actor(role=Role.SELLER, user_id=1, org_ids=frozenset({7})), failed.pk)
    with pytest.raises(ValidationFailed, match="bank_reference"):
        refund_retry.retry(OP, failed.pk, Refund.BANK_TRANSFER, "  ")
    with pytest.raises(ValidationFailed, match="method"):
        refund_retry.retry(OP, failed.pk, "cash")
    with pytest.raises(NotFound):
        refund_retry.retry(OP, 10**9)
    paid = refund_retry.retry(OP, failed.pk, Refund.BANK_TRANSFER, "T-1")
    with pytest.raises(Conflict, match="already retried"):
        refund_retry.retry(OP, failed.pk, Refund.BANK_TRANSFER, "T-2")
    with pytest.raises(Conflict, match="succeeded"):
        refund_retry.retry(OP, paid.pk)
    assert Escrow.objects.get(order_ref="F-1").refunded_minor == 3000  # once
    assert verify().ok


def test_a_return_refund_is_booked_again_exactly_with_its_conversion(make_user, rates, monkeypatch):
    from ewtp.accounts.services import actor_for_user
    from ewtp.logistics import returns
    from tests.logistics.factories_ops import pin_rates, sold_with_failing_refunds

    pin_rates(monkeypatch)
    # other sales, so the balance covers the refund twice over (the fee and margin stay charged)
    s, seller_user, buyer = sold_with_failing_refunds(make_user, rates, "150.00")

    def available() -> int:
        return accounts.seller_available(s.seller_id, "CNY").balance_minor  # read afresh

    before = available()
    r = returns.request_return(actor_for_user(buyer), s.tracking_no, "faulty")
    returns.decide(actor_for_user(seller_user), r.pk, approve=True)
    returns.confirm_receipt(actor_for_user(seller_user), r.pk, "faulty indeed")
    flush_webhooks()
    failed = Refund.objects.get(escrow__order_ref=s.order_ref)
    assert failed.state == Refund.FAILED and refund_retry.origin(failed) == "return_refund"
    assert available() == before
    retry = refund_retry.retry(OP, failed.pk, Refund.BANK_TRANSFER, "T-9")
    def legs(tx):  # by logical account: a hot account's posting may land on another of its shard rows
        return {(p.account.kind, p.account.owner_type, p.account.owner_id, p.account.currency, p.amount_minor)
                for p in tx.postings.select_related("account")}

    original, again = legs(failed.tx), legs(retry.tx)
    assert again == original and retry.tx.kind == "return_refund_retry"
    assert retry.tx.corrects_id == LedgerTransaction.objects.get(kind="return_refund_failed").pk
    conv = FxConversion.objects.get(tx=failed.tx)
    assert FxConversion.objects.get(tx=retry.tx).gross_minor == conv.gross_minor
    assert available() < before and accounts.refunds_out("sandbox", "EUR").balance_minor == 0
    assert verify().ok


def test_operator_api_lists_and_retries_idempotently(make_user, api_as):
    failed = _failed_escrow_refund()
    op, seller = api_as(make_user(Role.HUB_OPERATOR)), api_as(make_user(Role.SELLER))
    assert seller.get("/payments/refunds/failed").status_code == 403
    listed = op.get("/payments/refunds/failed").json()
    assert [(x["id"], x["origin"], x["amount"]) for x in listed] == [
        (failed.pk, "escrow", {"amount": "30.00", "currency": "MYR"})]
    assert seller.post(f"/payments/refunds/{failed.pk}/retry", {"method": "provider"}).status_code == 403
    bad = op.post(f"/payments/refunds/{failed.pk}/retry", {"method": "bank_transfer"})
    assert bad.status_code == 422 and "bank_reference" in bad.content.decode()
    body = {"method": "bank_transfer", "bank_reference": "T-77"}
    first = op.post(f"/payments/refunds/{failed.pk}/retry", body, key="retry-77")
    second = op.post(f"/payments/refunds/{failed.pk}/retry", body, key="retry-77")
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert first.json()["state"] == "succeeded" and first.json()["retry_of"] == failed.pk
    assert op.post(f"/payments/refunds/{failed.pk}/retry", body).status_code == 409
    assert op.get("/payments/refunds/failed").json() == []
    assert Refund.objects.filter(retry_of=failed).count() == 1
    assert verify().ok


@pytest.mark.parametrize("lang, title, origin", [("en", "Failed refunds", "escrow"), ("zh-hans", "退款失败", "托管"),
                                                 ("ms", "Bayaran balik gagal", "eskrow")])
def test_operator_page_lists_and_settles_in_three_languages(make_user, lang, title, origin):
    from django.test import Client

    failed = _failed_escrow_refund()
    c, seller = Client(HTTP_ACCEPT_LANGUAGE=lang), Client()
    c.force_login(make_user(Role.HUB_OPERATOR))
    seller.force_login(make_user(Role.SELLER))
    assert seller.get("/payments/operator/refunds/").status_code == 403
    page = c.get("/payments/operator/refunds/").content.decode()
    assert title in page and f'data-refund="{failed.pk}"' in page and "F-1" in page and f"<td>{origin}</td>" in page
    c.post("/payments/operator/refunds/", {"refund_id": failed.pk, "method": "bank_transfer", "bank_reference": ""})
    assert refund_retry.latest(failed.pk) == failed  # refused: no reference, nothing booked
    done = c.post("/payments/operator/refunds/", {"refund_id": failed.pk, "method": "bank_transfer",
                                                  "bank_reference": "<b>T-5</b>"}, follow=True).content.decode()
    assert 'data-testid="no-failed-refunds"' in done and "&lt;b&gt;T-5&lt;/b&gt;" in done
    assert refund_retry.latest(failed.pk).state == Refund.SUCCEEDED and verify().ok
