"""`ewtp market ...`: the marketplace's scheduled jobs."""

from __future__ import annotations

import os

import typer
from rich.console import Console

app = typer.Typer(help="Marketplace jobs.", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command("sync")
def sync() -> None:
    """Move orders whose payment was captured to `paid` (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
    import django

    django.setup()
    from ewtp.market.process import sync_payments

    console.print(f"{sync_payments()} order(s) marked paid")
