"""`ewtp ledger ...` and `ewtp payments ...`: verify the books, run the scheduled jobs
(auto-release, payouts, sandbox webhook delivery) and reconcile with a provider."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ewtp.config import setup_django

ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
payments_app = typer.Typer(
    help="Payments: escrow release, payouts, provider webhooks, reconciliation.", no_args_is_help=True
)
console = Console(soft_wrap=True)



@ledger_app.command("verify")
def verify() -> None:
    """Prove from the postings alone that every currency sums to zero, every cached balance equals
    its postings and no escrow was over-released; non-zero exit otherwise."""
    setup_django()
    from ewtp.payments.verify import verify as run

    rep = run()
    if not rep.ok:
        for problem in rep.problems:
            console.print(f"[red]FAIL[/red] {problem}")
        raise typer.Exit(1)
    console.print(
        f"ledger sound: {rep.transactions} transactions, {rep.postings} postings, {rep.accounts} accounts, "
        f"{rep.escrows} escrows verified"
    )


@payments_app.command("release-due")
def release_due() -> None:
    """Release every escrow delivered at least the hub's hold period ago with no open dispute."""
    setup_django()
    from ewtp.payments.escrow import release_due as run

    refs = run("cli")
    console.print(f"released {len(refs)} escrow(s)")


@payments_app.command("payouts")
def payouts(provider: Annotated[str, typer.Option(help="payment provider")] = "sandbox") -> None:
    """Pay every seller's available balance, one payout per seller and currency."""
    setup_django()
    from ewtp.payments.services import run_payouts

    batch = run_payouts("cli", provider)
    for p in batch:
        console.print(f"payout {p.pk}: seller {p.seller_org_id} {p.amount}")
    console.print(f"{len(batch)} payout(s) requested")


@payments_app.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Deliver the SANDBOX provider's due webhooks (test provider; moves no real money)."""
    setup_django()
    from ewtp.payments.webhooks import deliver_sandbox

    console.print(f"delivered {deliver_sandbox()} webhook(s)")


@payments_app.command("reconcile")
def reconcile(provider: Annotated[str, typer.Option(help="payment provider")] = "sandbox") -> None:
    """Compare the provider's records with the ledger; non-zero exit on any difference."""
    setup_django()
    from ewtp.payments.reconciliation import reconcile as run

    rep = run(provider)
    for d in rep.differences:
        console.print(
            f"[red]DIFF[/red] {d.kind} {d.reference} {d.currency}: provider {d.provider_minor}, "
            f"ledger {d.ledger_minor} ({d.problem})"
        )
    console.print(f"{rep.matched} matched, {len(rep.differences)} difference(s)")
    if not rep.ok:
        raise typer.Exit(1)
