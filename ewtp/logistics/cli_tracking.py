"""`ewtp logistics epcis|simulate`: a shipment's events as EPCIS 2.0, and SANDBOX carrier events."""

from __future__ import annotations

import typer

from ewtp.config import setup_django


def _shipment(tracking_no: str):
    """Django set up, and the shipment (or parcel's shipment) with this number; NotFound otherwise."""

    setup_django()
    from ewtp.core.errors import NotFound
    from ewtp.logistics.tracking import find_shipment

    shipment = find_shipment(tracking_no)
    if shipment is None:
        raise NotFound(f"no shipment {tracking_no!r}")
    return shipment


def epcis_export(
    tracking_no: str = typer.Argument(..., help="the hub's shipment (or parcel) tracking number"),
    out: str = typer.Option("", "--out", help="write the document to this file instead of standard output"),
) -> None:
    """A shipment's tracking events as a GS1 EPCIS 2.0 JSON-LD document (validated against the schema)."""
    import json

    shipment = _shipment(tracking_no)
    from ewtp.logistics import epcis

    text = json.dumps(epcis.export(shipment), indent=2, ensure_ascii=False)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        typer.echo(f"{shipment.events.count()} event(s) written to {out}")
    else:
        typer.echo(text)


def simulate(
    tracking_no: str = typer.Argument(..., help="the hub's shipment tracking number"),
    seed: int = typer.Option(7, help="the same seed gives the same journey"),
    days_ago: float = typer.Option(10.0, help="the journey starts this many days ago"),
) -> None:
    """SANDBOX: post a simulated carrier journey for a shipment (the events up to now), as its carriers would."""
    import random
    from datetime import timedelta

    shipment = _shipment(tracking_no)
    from django.utils import timezone

    from ewtp.logistics import simulator

    now = timezone.now()
    events = simulator.simulate_events(shipment, now - timedelta(days=days_ago), random.Random(seed), until=now)
    r = simulator.post(events)
    shipment.refresh_from_db()
    typer.echo(f"{r.created} event(s) posted, {r.duplicates} already there; {shipment.tracking_no} is {shipment.status}")
