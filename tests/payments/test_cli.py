from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ewtp.cli import app
from ewtp.core.money import Money
from ewtp.payments import escrow
from ewtp.payments.models import Account

pytestmark = pytest.mark.django_db(transaction=True)


def test_ledger_verify_passes_then_fails_on_tampering():
    escrow.hold(
        "test",
        order_ref="CLI-1",
        seller_org_id=1,
        amount=Money("9.99", "MYR"),
        seller_currency="MYR",
        provider="sandbox",
    )
    runner = CliRunner()
    ok = runner.invoke(app, ["ledger", "verify"])
    assert ok.exit_code == 0 and "ledger sound: 1 transactions" in ok.output
    Account.objects.filter(kind="escrow").update(balance_minor=1)
    bad = runner.invoke(app, ["ledger", "verify"])
    assert bad.exit_code == 1 and "cached balance 1" in bad.output


def test_reconcile_and_jobs_run():
    runner = CliRunner()
    for cmd in (
        ["payments", "release-due"],
        ["payments", "payouts"],
        ["payments", "deliver-webhooks"],
        ["payments", "reconcile"],
    ):
        r = runner.invoke(app, cmd)
        assert r.exit_code == 0, (cmd, r.output)
