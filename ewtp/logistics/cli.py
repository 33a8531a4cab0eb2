"""`ewtp logistics ...`: the network, shipping quotes, tracking exports, manifests."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ewtp.config import setup_django
from ewtp.logistics.cli_ops import manifest
from ewtp.logistics.cli_tracking import epcis_export, simulate

app = typer.Typer(help="Logistics: network and rates, shipments, tracking, consolidation.", no_args_is_help=True)
app.command("manifest")(manifest)
app.command("epcis")(epcis_export)
app.command("simulate")(simulate)
network_app = typer.Typer(help="The hub network: hubs, carriers, lanes and rate tables.", no_args_is_help=True)
app.add_typer(network_app, name="network")
out = Console(soft_wrap=True, highlight=False, markup=False)
DIMS = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$")



@network_app.command("load")
def network_load(
    file: Annotated[Path | None, typer.Option(help="a network TOML file (default: the shipped data/network.toml)")]
    = None,
) -> None:
    """Load hubs, carriers, lanes and rate tables (idempotent: a second load changes nothing)."""
    setup_django()
    from ewtp.logistics.network import NETWORK_FILE, load_network

    path = file or NETWORK_FILE
    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    r = load_network(path)
    out.print(f"network: {r.hubs} hubs, {r.carriers} carriers, {r.lanes} lanes, {r.rate_tables} rate tables "
              f"({r.changed} rows created or changed)")


def _parcel(weight: str, dims: str):
    from ewtp.logistics.rates import ParcelSpec

    try:
        kg = Decimal(weight)
    except InvalidOperation:
        raise typer.BadParameter(f"--weight: {weight!r} is not a number of kilograms") from None
    if not dims:
        return ParcelSpec(kg)
    m = DIMS.match(dims.strip().lower())
    if not m:
        raise typer.BadParameter(f"--dims: {dims!r} is not LxWxH in cm, e.g. 30x20x10")
    return ParcelSpec(kg, *(Decimal(g) for g in m.groups()))


@app.command()
def quote(
    origin: Annotated[str, typer.Option("--from", help="origin country (ISO 3166-1 alpha-2)")],
    destination: Annotated[str, typer.Option("--to", help="destination country")],
    weight: Annotated[list[str], typer.Option(help="parcel weight in kg (repeat for several parcels)")],
    dims: Annotated[list[str] | None, typer.Option(help="parcel LxWxH in cm, in the order of --weight")] = None,
    on: Annotated[str, typer.Option("--date", help="quote date YYYY-MM-DD (default today)")] = "",
    currency: Annotated[str, typer.Option(help="answer in this currency (default: the destination's)")] = "",
    fastest: Annotated[bool, typer.Option("--fastest", help="the fastest route instead of the cheapest")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Price a parcel set through the hub network: route, price, legs and transit estimate."""
    dims = dims or []
    if len(dims) > len(weight):
        raise typer.BadParameter("more --dims than --weight")
    parcels = [_parcel(w, dims[i] if i < len(dims) else "") for i, w in enumerate(weight)]
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise typer.BadParameter(f"--date: {on!r} is not YYYY-MM-DD") from None
    setup_django()
    from ewtp.logistics.quote import quote_shipping

    q = quote_shipping(parcels, origin.upper(), destination.upper(), on=day, currency=currency.upper() or None,
                       prefer="fastest" if fastest else "cheapest").as_dict()
    if as_json:
        out.print(json.dumps(q, indent=2, ensure_ascii=False))
        return
    out.print(f"{q['origin']} -> {q['destination']} on {q['date']} ({q['prefer']}): {q['price']} {q['currency']}, "
              f"{q['transit_days']} days published; estimate {q['estimate']['days']} days ({q['estimate']['basis']})")
    for leg in q["legs"]:
        out.print(f"  {leg['seq']}. {leg['kind']:<10} {leg['carrier']:<8} {leg['mode']:<4} {leg['from']}->{leg['to']}  "
                  f"{leg['chargeable_kg']} kg  {leg['price']} {leg['currency']} = {leg['converted']} {q['currency']} "
                  f"(ECB {leg['fx']['rate']} of {leg['fx']['date']})  {leg['transit_days']} d")
