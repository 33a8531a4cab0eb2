"""Bags per destination hub, sealing, master waybills, scans (idempotent), departure, manifests."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.logistics import consolidation as co
from ewtp.logistics import manifest
from ewtp.logistics.models import Bag, MasterWaybill, Scan
from ewtp.logistics.numbers import is_valid_awb, make_awb, make_s10, s10_check_digit
from tests.logistics.factories_ops import Network, shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    return Network()


@pytest.fixture
def people(make_user):
    seller = make_user(Role.SELLER)
    buyer = make_user(Role.BUYER)
    return seller.memberships.first().organisation, buyer


def test_document_numbers():
    assert make_awb("784", 1234567) == "784-12345675"  # 1234567 mod 7 = 5
    assert is_valid_awb("784-12345675") and not is_valid_awb("784-12345676") and not is_valid_awb("78412345675")
    assert make_s10("RR", 47312482, "GB") == "RR473124829GB"  # the example in UPU S10
    assert s10_check_digit("00000000") == 5  # remainder 0: 11 -> 5


def _flow(net, people, n=2):
    seller, buyer = people
    shipments = [shipment(net, seller=seller, buyer=buyer) for _ in range(n)]
    bag = co.create_bag(SYSTEM, "HGH", "LGG")
    for s in shipments:
        scan, created = co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=s.parcels.get().tracking_no,
                                target=bag.code)
        assert created
    return shipments, bag


def test_parcels_bagged_sealed_loaded_departed(net, people):
    shipments, bag = _flow(net, people)
    parcel = shipments[0].parcels.get()
    # the same scan again is a no-op that returns the first scan
    again, created = co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=parcel.tracking_no, target=bag.code)
    assert not created and Scan.objects.filter(subject=parcel.tracking_no).count() == 1
    other = co.create_bag(SYSTEM, "HGH", "LGG")
    with pytest.raises(Conflict, match="already in bag"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=parcel.tracking_no, target=other.code)
    wb = co.create_waybill(SYSTEM, number="784-12345675", lane_id=net.air_lgg.pk, voyage="CZ 491",
                           departs_on=date(2026, 12, 1))
    with pytest.raises(Conflict, match="sealed"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=wb.number)
    with pytest.raises(Conflict, match="is empty"):
        co.seal_bag(SYSTEM, other.code)
    assert co.seal_bag(SYSTEM, bag.code).status == Bag.SEALED
    assert co.seal_bag(SYSTEM, bag.code).status == Bag.SEALED  # idempotent
    late = shipment(net, seller=people[0], buyer=people[1])
    with pytest.raises(Conflict, match="open bag"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=late.parcels.get().tracking_no, target=bag.code)
    with pytest.raises(Conflict, match="is empty"):
        co.depart(SYSTEM, wb.number)
    _, created = co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=wb.number)
    assert created
    _, created = co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=wb.number)
    assert not created
    bag.refresh_from_db()
    assert bag.status == Bag.LOADED and bag.master_waybill_id == wb.pk
    assert co.depart(SYSTEM, wb.number).status == MasterWaybill.DEPARTED
    sea = co.create_waybill(SYSTEM, number="MAEU123456789", lane_id=net.sea_lgg.pk, voyage="MAERSK KOLKATA 447W",
                            departs_on=date(2026, 12, 3))
    with pytest.raises(Conflict, match="another master waybill"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=sea.number)


def test_hub_scans_show_in_the_tracking_history_once(net, people):
    from ewtp.logistics.tracking import history

    shipments, bag = _flow(net, people)
    co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=shipments[0].parcels.get().tracking_no,
            target=bag.code)  # a repeated scan adds no event
    co.seal_bag(SYSTEM, bag.code)
    wb = co.create_waybill(SYSTEM, number="784-12345675", lane_id=net.air_lgg.pk, voyage="CZ 491",
                           departs_on=date(2026, 12, 1))
    co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=wb.number)
    co.depart(SYSTEM, wb.number)
    co.depart(SYSTEM, wb.number)
    for s in shipments:
        events = [(e.carrier.code, e.raw_code, e.status) for e in history(s)]
        assert events == [("EWTPHUB", "BAG", "at_hub"), ("EWTPHUB", "MAWB", "in_transit"),
                          ("EWTPHUB", "DEP", "in_transit")]
        assert {e.details["tz"] for e in history(s)} == {"+08:00"}  # Hangzhou's local time, as scanned
        s.refresh_from_db()
        assert s.status == "in_transit"


def test_destination_must_match(net, people):
    seller, buyer = people
    to_kul = shipment(net, seller=seller, buyer=buyer, dest=net.kul)
    bag = co.create_bag(SYSTEM, "HGH", "LGG")
    with pytest.raises(Conflict, match="another destination hub"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=to_kul.parcels.get().tracking_no, target=bag.code)
    with pytest.raises(Conflict, match="made up at another hub"):
        co.scan(SYSTEM, hub="LGG", kind=Scan.PARCEL_TO_BAG, subject=to_kul.parcels.get().tracking_no, target=bag.code)
    kul_bag = co.create_bag(SYSTEM, "HGH", "KUL")
    co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject=to_kul.parcels.get().tracking_no, target=kul_bag.code)
    co.seal_bag(SYSTEM, kul_bag.code)
    wb = co.create_waybill(SYSTEM, number=make_awb("784", 7654321), lane_id=net.air_lgg.pk, voyage="CZ 491",
                           departs_on=date(2026, 12, 1))
    with pytest.raises(Conflict, match="does not run"):
        co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=kul_bag.code, target=wb.number)
    with pytest.raises(ValidationFailed):
        co.scan(SYSTEM, hub="HGH", kind=Scan.PARCEL_TO_BAG, subject="NOPE", target=kul_bag.code)


def test_waybill_numbers_fit_the_mode(net):
    with pytest.raises(ValidationFailed) as err:
        co.create_waybill(SYSTEM, number="784-12345676", lane_id=net.air_lgg.pk, voyage="CZ 491",
                          departs_on=date(2026, 12, 1))
    assert "number" in err.value.fields
    with pytest.raises(ValidationFailed):
        co.create_waybill(SYSTEM, number="784-12345675", lane_id=net.sea_lgg.pk, voyage="V1", departs_on=date(2026, 12, 1))
    with pytest.raises(ValidationFailed) as err:
        co.create_waybill(SYSTEM, number="784-12345675", lane_id=net.first.pk, voyage="V1", departs_on=date(2026, 12, 1))
    assert "lane_id" in err.value.fields


def test_only_hub_staff_scan(net, people, make_user):
    outsider = actor_for_user(make_user(Role.LOGISTICS_PARTNER))
    with pytest.raises(Forbidden):
        co.create_bag(outsider, "HGH", "LGG")
    hub_partner = Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({net.hubco.organisation_id}), token_id=1)
    assert co.create_bag(hub_partner, "HGH", "LGG").code.startswith("HGHLGG")
    with pytest.raises(Forbidden):
        co.create_bag(actor_for_user(people[1]), "HGH", "LGG")


def test_manifest_lists_every_parcel_with_customs_data(net, people):
    shipments, bag = _flow(net, people, n=2)
    co.seal_bag(SYSTEM, bag.code)
    wb = co.create_waybill(SYSTEM, number="784-12345675", lane_id=net.air_lgg.pk, voyage="CZ 491",
                           departs_on=date(2026, 12, 1))
    co.scan(SYSTEM, hub="HGH", kind=Scan.BAG_TO_WAYBILL, subject=bag.code, target=wb.number)
    m = manifest.build(SYSTEM, wb.number)
    assert (m["origin_hub"], m["destination_hub"], m["mode"], m["carrier"]) == ("HGH", "LGG", "air", "DHLX")
    assert {p["tracking_no"] for p in m["parcels"]} == {s.parcels.get().tracking_no for s in shipments}
    first = m["parcels"][0]
    assert first["consignee"]["name"] == "Anne Dupont" and "4000 Liège" in first["consignee"]["address"]
    assert first["destination_country"] == "BE" and first["weight_kg"] == "1.250"
    assert first["items"][0] | {} == {"seq": 1, "description": "Longjing green tea, 250 g tin", "quantity": 2,
                                     "net_weight_kg": "0.500", "value": "24.00", "currency": "EUR",
                                     "hs_code": "090210", "origin_country": "CN"}
    t = m["totals"]
    assert (t["bags"], t["parcels"], t["quantity"]) == (1, 2, 6)
    assert Decimal(t["gross_weight_kg"]) == Decimal("2.500") and Decimal(t["net_weight_kg"]) == Decimal("1.600")
    assert t["value"] == {"EUR": "79.00"}
    rows = list(csv.DictReader(io.StringIO(manifest.to_csv(m))))
    assert len(rows) == 5 and rows[-1]["waybill"] == "TOTAL" and rows[-1]["value"] == "79.00"
    assert rows[0]["hs_code"] == "090210" and rows[1]["description"] == "Celadon tea cup"
    # the line-haul carrier reads it; a buyer does not even learn it exists
    assert manifest.build(Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({net.air.organisation_id})),
                          wb.number)["waybill"] == wb.number
    with pytest.raises(NotFound):
        manifest.build(actor_for_user(people[1]), wb.number)
