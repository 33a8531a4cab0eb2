"""`ewtp logistics manifest NUMBER --format csv|json` on the test database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ewtp.cli import app
from ewtp.core.actor import SYSTEM, Role
from ewtp.logistics import consolidation as co
from tests.logistics.factories_ops import Network, shipment

pytestmark = pytest.mark.django_db(transaction=False)


def test_manifest_command(make_user):
    net = Network()
    s = shipment(net, seller=make_user(Role.SELLER).memberships.first().organisation, buyer=make_user(Role.BUYER))
    bag = co.create_bag(SYSTEM, "HGH", "LGG")
    co.scan(SYSTEM, hub="HGH", kind="parcel_to_bag", subject=s.parcels.get().tracking_no, target=bag.code)
    co.seal_bag(SYSTEM, bag.code)
    co.create_waybill(SYSTEM, number="MAEU123456789", lane_id=net.sea_lgg.pk, voyage="MAERSK KOLKATA 447W",
                      departs_on=date(2026, 12, 3))
    co.scan(SYSTEM, hub="HGH", kind="bag_to_waybill", subject=bag.code, target="MAEU123456789")
    runner = CliRunner()
    out = runner.invoke(app, ["logistics", "manifest", "MAEU123456789"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["mode"] == "sea"
    out = runner.invoke(app, ["logistics", "manifest", "MAEU123456789", "--format", "csv"])
    assert out.output.splitlines()[1].startswith(f"MAEU123456789,{bag.code},{s.parcels.get().tracking_no}")
    assert runner.invoke(app, ["logistics", "manifest", "NOPE123456"]).exit_code == 1
    assert runner.invoke(app, ["logistics", "manifest", "MAEU123456789", "--format", "xml"]).exit_code != 0
