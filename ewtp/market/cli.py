"""`ewtp market ...`: the marketplace's scheduled jobs."""

from __future__ import annotations

import typer
from rich.console import Console

from ewtp.config import setup_django

app = typer.Typer(help="Marketplace jobs.", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command("sync")
def sync() -> None:
    """Move orders along with their payments, customs, shipments and returns (idempotent)."""
    setup_django()
    from ewtp.market.process import sync_all

    r = sync_all()
    c = r.customs
    console.print(f"{r.paid} order(s) marked paid, {r.shipped} shipped, {r.delivered} delivered, "
                  f"{r.returns} moved by their returns")
    console.print(f"customs: {c.documents} order(s) documented, {c.inventories} inventory list(s) filed, "
                  f"{c.cleared} cleared, {c.refunded} refused and refunded")
    for line in c.failed:
        console.print(f"  not yet: {line}", markup=False)
