"""`ewtp logistics manifest NUMBER --format csv|json`: a master waybill's manifest on stdout."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ewtp.config import setup_django


def manifest(number: Annotated[str, typer.Argument(help="master waybill number, e.g. 784-12345675")],
             format: Annotated[str, typer.Option("--format", help="csv or json")] = "json") -> None:  # noqa: A002
    """Print the manifest of a master waybill: every parcel with its customs data, and the totals."""
    if format not in ("csv", "json"):
        raise typer.BadParameter("csv or json", param_hint="--format")
    setup_django()
    from ewtp.core.actor import SYSTEM
    from ewtp.core.errors import AppError
    from ewtp.logistics import manifest as m

    try:
        data = m.build(SYSTEM, number)
    except AppError as err:
        typer.echo(err.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(m.to_csv(data) if format == "csv" else json.dumps(data, indent=2, ensure_ascii=False), nl=False)
