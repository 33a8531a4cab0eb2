"""`ewtp customs ...`: check a set of CEB messages offline; write the messages for one parcel."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ewtp.customs.cli_returns import app as returns_app

app = typer.Typer(help="China customs single window: CEB messages and three-document reconciliation.",
                  no_args_is_help=True)
out = Console(soft_wrap=True, highlight=False, markup=False)  # values are data, never markup
app.add_typer(returns_app, name="returns")
EXIT_MATCHED, EXIT_DISCREPANCIES, EXIT_INVALID = 0, 1, 2


def _load(path: Path, kind: str):
    from ewtp.customs.xml.parse import parse_message

    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    return parse_message(path.read_bytes(), expect=kind)


def _pick(message, order_no: str | None):
    """A message may carry up to 100 documents: take the one for this order (else the first)."""
    if message is None:
        return None
    docs = message.documents
    return next((d for d in docs if order_no and d.order_no == order_no), docs[0] if docs else None)


@app.command()
def check(
    order: Annotated[Path, typer.Argument(help="CEB311 order message")],
    payment: Annotated[Path, typer.Argument(help="CEB411 payment message")],
    waybill: Annotated[Path, typer.Argument(help="CEB511 waybill message")],
    inventory: Annotated[Path | None, typer.Argument(help="CEB621 inventory list (optional)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    year_to_date: Annotated[str, typer.Option(help="buyer's CBEC purchases this year before this parcel "
                                                   "(RMB), to check the annual limit")] = "",
) -> None:
    """Validate the messages against the official XSD and reconcile them. Exit 0 only when
    matched; 1 on discrepancies; 2 when a message is not valid."""
    from ewtp.customs.reconciliation import reconcile
    from ewtp.customs.xml.safe import XmlRefused

    ytd = None
    if year_to_date:
        try:
            ytd = Decimal(year_to_date)
        except InvalidOperation:
            raise typer.BadParameter(f"--year-to-date: {year_to_date!r} is not an amount") from None
    messages, violations = {}, []
    for kind, path in (("order", order), ("payment", payment), ("waybill", waybill), ("inventory", inventory)):
        if path is None:
            continue
        try:
            messages[kind] = _load(path, kind)
        except XmlRefused as exc:
            violations += [{"file": str(path), **v.as_dict()} for v in exc.violations]
    if violations:
        if as_json:
            out.print_json(json.dumps({"status": "invalid", "violations": violations}, ensure_ascii=False))
        else:
            out.print("invalid: the messages do not pass the GACC 2022-05 schema")
            for v in violations:
                out.print(f"  {v['file']}: line {v['line']}: {v['element']}: {v['message']}")
        sys.exit(EXIT_INVALID)
    o = _pick(messages["order"], None)
    result = reconcile(o, _pick(messages["payment"], o.order_no), _pick(messages["waybill"], o.order_no),
                       _pick(messages.get("inventory"), o.order_no), buyer_year_to_date=ytd)
    if as_json:
        body = {"status": result.status, "discrepancies": [d.as_dict() for d in result.discrepancies]}
        out.print_json(json.dumps(body, ensure_ascii=False))
    elif result.matched:
        out.print("matched")
    else:
        out.print(f"discrepancies ({len(result.discrepancies)}) for order {result.order_no}:")
        for d in result.discrepancies:
            vals = "; ".join(f"{k}={v}" for k, v in d.values.items())
            out.print(f"  {d.field}  [{d.rule}]  {vals}")
    # SystemExit, not typer.Exit: `ewtp` runs click with standalone_mode=False, which would turn
    # typer.Exit into a return value and lose the exit code.
    if not result.matched:
        sys.exit(EXIT_DISCREPANCIES)


@app.command()
def messages(
    order_no: Annotated[str, typer.Argument(help="the parcel's orderNo")],
    out_dir: Annotated[Path, typer.Option("--out", help="directory to write CEB311/411/511/621.xml into")],
) -> None:
    """Write CEB311.xml, CEB411.xml, CEB511.xml and CEB621.xml for one parcel stored in the hub
    (each checked against the official XSD; CEB621 signed with the hub key)."""
    from ewtp.config import setup_django

    setup_django()
    from ewtp.customs.services import messages_for_parcel

    files = messages_for_parcel(order_no)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out_dir / f"{name}.xml").write_bytes(data)
        out.print(f"wrote {out_dir / (name + '.xml')}")
