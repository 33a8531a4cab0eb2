"""Review: the batch webhook receipt racing one-by-one deliveries and another batch (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ewtp.payments.models import Escrow, LedgerTransaction, Payment, WebhookEvent
from ewtp.payments.providers.sandbox import SandboxProvider
from ewtp.payments.verify import verify
from ewtp.payments.webhooks import receive, receive_many
from tests.conftest import is_postgres
from tests.payments.helpers import in_threads
from tests.payments.test_review_batch import AUTH, CAP, _body, _payments

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if not is_postgres():
        pytest.skip("row-lock concurrency is tested on PostgreSQL")


def test_batches_racing_single_deliveries_hold_each_payment_once():
    n = 40
    pays = _payments("P", n)
    bodies = [_body("P", pays, (f"a{i}", AUTH, i)) for i in range(n)] + \
             [_body("P", pays, (f"c{i}", CAP, i)) for i in range(n)]
    provider = SandboxProvider.from_settings()
    answers = {}

    def worker(k):
        now = timezone.now()
        order = bodies if k % 2 == 0 else bodies[::-1]
        deliveries = [(provider.signed_headers(b, now), b) for b in order]
        if k < 2:
            answers[k] = receive_many("sandbox", deliveries, now, recorded=set())
        else:
            answers[k] = [receive("sandbox", h, b, now)["status"] for h, b in deliveries]

    errors = in_threads(4, worker)
    assert errors == []
    assert set(Payment.objects.values_list("state", flat=True)) == {"captured"}
    assert Escrow.objects.count() == n
    assert LedgerTransaction.objects.filter(kind="escrow_hold").count() == n
    assert WebhookEvent.objects.count() == 2 * n
    assert verify().ok
