"""`ewtp customs returns ...`: build, file and pay the periodic consolidated tax returns (run as
the hub operator: the system actor)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Periodic consolidated tax returns (IOSS, Malaysia LVG, China CBEC).", no_args_is_help=True)
out = Console(soft_wrap=True, highlight=False, markup=False)


def _line(r) -> str:
    return (f"#{r.pk}  {r.scheme:<8} {r.jurisdiction:<3} {r.period:<8} {r.status:<6} {r.lines.count():>5} line(s)  "
            f"duty {r.duty_total:.2f}  tax {r.tax_total:.2f} {r.currency}")


def _run(action):
    from ewtp.config import setup_django

    setup_django()
    from ewtp.core.errors import AppError

    try:
        return action()
    except AppError as err:
        out.print(f"refused: {err.message}")
        sys.exit(1)


@app.command()
def build(
    period: Annotated[str, typer.Option(help="a month (2026-11) or a quarter (2026-Q4)")],
    jurisdiction: Annotated[str, typer.Option(help="one jurisdiction (e.g. DE, MY, CN); default all")] = "",
) -> None:
    """Build (or rebuild, while draft) the returns of a period."""

    def action():
        from ewtp.core.actor import SYSTEM
        from ewtp.customs.returns import build as build_returns

        built, kept = build_returns(SYSTEM, period, jurisdiction.upper() or None)
        for r in built:
            out.print(f"built  {_line(r)}")
        for r in kept:
            out.print(f"kept   {_line(r)}  (already {r.status})")
        if not built and not kept:
            out.print(f"no return to build for {period}")

    _run(action)


@app.command("file")
def file_(return_id: Annotated[int, typer.Argument(help="the return's id")]) -> None:
    """File a draft return (once its period is over)."""

    def action():
        from ewtp.core.actor import SYSTEM
        from ewtp.customs.returns import file_return

        out.print(f"filed  {_line(file_return(SYSTEM, return_id))}")

    _run(action)


@app.command()
def pay(return_id: Annotated[int, typer.Argument(help="the return's id")]) -> None:
    """Pay a filed return: settles the payable accounts in the ledger."""

    def action():
        from ewtp.core.actor import SYSTEM
        from ewtp.customs.returns import pay_return

        r = pay_return(SYSTEM, return_id)
        out.print(f"paid   {_line(r)}  (ledger transaction {r.settlement_tx})")

    _run(action)


@app.command()
def export(
    return_id: Annotated[int, typer.Argument(help="the return's id")],
    out_file: Annotated[Path, typer.Option("--out", help="file to write (.csv or .json)")],
) -> None:
    """Write a return as CSV or JSON (by the file's extension)."""

    def action():
        import json

        from ewtp.core.actor import SYSTEM
        from ewtp.customs.returns import get_return
        from ewtp.customs.returns_export import as_csv, as_json

        ret = get_return(SYSTEM, return_id)
        text = (json.dumps(as_json(ret), ensure_ascii=False, indent=1) if out_file.suffix == ".json"
                else as_csv(ret))
        out_file.write_text(text, encoding="utf-8")
        out.print(f"wrote {out_file}")

    _run(action)
