"""The operations API end to end: scans by the hub's partner token, manifest as JSON and CSV,
PDFs, a return asked, decided and received, a claim filed and decided."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from ewtp.accounts.services import actor_for_user, issue_token
from ewtp.core.actor import Role
from ewtp.payments.verify import verify
from tests.logistics.factories_ops import Network, deliver, pay_order, pin_rates, shipment
from tests.payments.helpers import flush_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rates(monkeypatch):
    return pin_rates(monkeypatch)


@pytest.fixture
def world(make_user, api_as):
    net = Network()
    seller_user, buyer = make_user(Role.SELLER), make_user(Role.BUYER)
    seller = seller_user.memberships.first().organisation
    op_user = make_user(Role.HUB_OPERATOR)
    op = actor_for_user(op_user)
    hub = api_as(token=issue_token(op, net.hubco.organisation, "hub scanner").secret)
    carrier = api_as(token=issue_token(op, net.bpost.organisation, "bpost").secret)
    return {"net": net, "seller": seller, "buyer": buyer, "hub": hub, "carrier": carrier,
            "as_seller": api_as(seller_user), "as_buyer": api_as(buyer), "as_operator": api_as(op_user)}


def test_consolidation_through_the_api(world):
    net, hub = world["net"], world["hub"]
    s = shipment(net, seller=world["seller"], buyer=world["buyer"])
    parcel = s.parcels.get().tracking_no
    bag = hub.post("/logistics/bags", {"origin_hub": "HGH", "destination_hub": "LGG"})
    assert bag.status_code == 201, bag.content
    code = bag.json()["code"]
    scan = {"hub": "HGH", "kind": "parcel_to_bag", "subject": parcel, "target": code}
    assert hub.post("/logistics/scans", scan).status_code == 201
    again = hub.post("/logistics/scans", scan)
    assert again.status_code == 200 and again.json()["changed"] is False
    other = hub.post("/logistics/bags", {"origin_hub": "HGH", "destination_hub": "LGG"}).json()["code"]
    clash = hub.post("/logistics/scans", scan | {"target": other})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "conflict"
    assert world["carrier"].post("/logistics/scans", scan).status_code == 403  # not the hub's own partner
    bad = hub.post("/logistics/waybills", {"number": "784-12345670", "lane_id": net.air_lgg.pk, "voyage": "CZ 491",
                                           "departs_on": "2026-12-01"})
    assert bad.status_code == 422 and "number" in bad.json()["error"]["fields"]
    wb = hub.post("/logistics/waybills", {"number": "784-12345675", "lane_id": net.air_lgg.pk, "voyage": "CZ 491",
                                          "departs_on": "2026-12-01"})
    assert wb.status_code == 201
    assert hub.post(f"/logistics/bags/{code}/seal").json()["status"] == "sealed"
    load = hub.post("/logistics/scans", {"hub": "HGH", "kind": "bag_to_waybill", "subject": code,
                                         "target": "784-12345675"})
    assert load.status_code == 201
    assert hub.post("/logistics/waybills/784-12345675/depart").json()["status"] == "departed"
    m = hub.get("/logistics/waybills/784-12345675/manifest").json()
    assert m["parcels"][0]["tracking_no"] == parcel and m["totals"]["value"] == {"EUR": "39.50"}
    c = hub.get("/logistics/waybills/784-12345675/manifest", format="csv")
    assert c["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.content.decode())))
    assert rows[0]["tracking_no"] == parcel and rows[-1]["waybill"] == "TOTAL"
    assert hub.get("/logistics/waybills/784-12345675/manifest", format="xml").status_code == 422
    assert world["as_buyer"].get("/logistics/waybills/784-12345675/manifest").status_code == 404


def test_pdfs_for_seller_carrier_operator(world):
    s = shipment(world["net"], seller=world["seller"], buyer=world["buyer"])
    parcel = s.parcels.get().tracking_no
    for who in ("as_seller", "carrier", "as_operator"):
        r = world[who].get(f"/logistics/parcels/{parcel}/label.pdf")
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", who
        assert parcel in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    r = world["as_seller"].get(f"/logistics/parcels/{parcel}/cn23.pdf")
    assert "[X] Sale of goods" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert world["as_buyer"].get(f"/logistics/parcels/{parcel}/label.pdf").status_code == 404


def test_return_and_claim_through_the_api(world):
    s = deliver(shipment(world["net"], seller=world["seller"], buyer=world["buyer"]))
    pay_order(s, "60.00", "EUR")
    buyer, seller, operator = world["as_buyer"], world["as_seller"], world["as_operator"]
    assert buyer.post("/logistics/returns", {"tracking_no": s.tracking_no, "reason": ""}).status_code == 422
    r = buyer.post("/logistics/returns", {"tracking_no": s.tracking_no, "reason": "wrong colour"})
    assert r.status_code == 201 and r.json()["state"] == "requested"
    rid = r.json()["id"]
    assert buyer.post(f"/logistics/returns/{rid}/decision", {"approve": True}).status_code == 403
    d = seller.post(f"/logistics/returns/{rid}/decision", {"approve": True})
    assert d.status_code == 200 and d.json()["return_label"].endswith("label.pdf")
    label = buyer.client.get(d.json()["return_label"])
    assert label.status_code == 200 and d.json()["return_tracking_no"]
    done = seller.post(f"/logistics/returns/{rid}/receipt", {"condition": "as new"})
    assert done.json()["state"] == "refunded" and done.json()["refund"] == "60.00"
    assert done.json()["refund_state"] == "requested"  # the provider confirms by webhook
    flush_webhooks()
    assert buyer.get("/logistics/returns").json()[0]["refund_state"] == "succeeded"
    assert [x["id"] for x in seller.get("/logistics/returns").json()] == [rid]
    assert world["carrier"].get("/logistics/returns").json() == []
    c = seller.post("/logistics/claims", {"tracking_no": s.tracking_no, "kind": "damaged", "amount": "15.50",
                                          "evidence": ["photo:cup.jpg"]})
    assert c.status_code == 201, c.content
    cid = c.json()["id"]
    assert seller.post(f"/logistics/claims/{cid}/decision", {"approve": True, "liable": "hub"}).status_code == 403
    paid = operator.post(f"/logistics/claims/{cid}/decision", {"approve": True, "liable": "carrier",
                                                                "carrier_code": "BPOST"})
    assert paid.status_code == 200 and paid.json()["state"] == "paid" and paid.json()["carrier"] == "BPOST"
    assert verify().ok
