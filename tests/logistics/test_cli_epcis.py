"""`ewtp logistics epcis TRACKING_NO [--out FILE]`."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from ewtp.cli import app
from ewtp.logistics import epcis, simulator
from tests.logistics.factories_track import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db


def test_epcis_command_writes_a_valid_document(shipment, tmp_path):
    simulator.post(simulator.simulate_events(shipment, datetime(2026, 11, 2, tzinfo=UTC), random.Random(4)))
    out = tmp_path / "events.jsonld"
    r = CliRunner().invoke(app, ["logistics", "epcis", shipment.tracking_no, "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert epcis.problems(doc) == [] and len(doc["epcisBody"]["eventList"]) == shipment.events.count()
    r = CliRunner().invoke(app, ["logistics", "epcis", shipment.parcels.get().tracking_no])
    assert r.exit_code == 0 and json.loads(r.stdout)["type"] == "EPCISDocument"


def test_epcis_command_unknown_number(db):
    r = CliRunner().invoke(app, ["logistics", "epcis", "NOPE"])
    assert r.exit_code != 0


def test_simulate_command_posts_a_journey_once(shipment):
    r = CliRunner().invoke(app, ["logistics", "simulate", shipment.tracking_no, "--days-ago", "30"])
    assert r.exit_code == 0, r.output
    assert "is delivered" in r.stdout and shipment.events.count() > 10
    again = CliRunner().invoke(app, ["logistics", "simulate", shipment.tracking_no, "--days-ago", "30"])
    assert f"0 event(s) posted, {shipment.events.count()} already there" in again.stdout
