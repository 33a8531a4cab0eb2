"""The tracking page: who sees it, the timeline, the route picture and the estimate, three languages."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.logistics import routemap, simulator
from ewtp.logistics.models import Leg
from ewtp.logistics.tracking import history
from tests.logistics.factories_track import *  # noqa: F403 - fixtures

START = datetime(2026, 11, 2, tzinfo=UTC)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _page(user, number, lang="en"):
    c = _client(user)
    c.cookies["django_language"] = lang
    return c.get(f"/logistics/track/{number}/", HTTP_ACCEPT_LANGUAGE=lang)


def test_buyer_seller_and_operator_see_it_others_get_404(shipment, buyer_user, make_user):  # noqa: F811
    seller = make_user(Role.SELLER, organisation=shipment.seller)
    assert _page(buyer_user, shipment.tracking_no).status_code == 200
    assert _page(seller, shipment.tracking_no).status_code == 200
    assert _page(make_user(Role.HUB_OPERATOR), shipment.tracking_no).status_code == 200
    assert _page(make_user(Role.BUYER), shipment.tracking_no).status_code == 404
    carrier_staff = make_user(Role.LOGISTICS_PARTNER, organisation=shipment.legs.first().carrier.organisation)
    assert _page(carrier_staff, shipment.tracking_no).status_code == 404
    assert _page(buyer_user, "NOPE").status_code == 404
    assert Client().get(f"/logistics/track/{shipment.tracking_no}/").status_code == 302  # sign in first


def test_timeline_route_and_eta_midway(shipment, buyer_user):  # noqa: F811
    events = simulator.simulate_events(shipment, START, random.Random(11), failure_rate=0, exception_rate=0)
    halfway = [e for e in events if e.event.code != "DEP"]
    halfway = halfway[:halfway.index(next(e for e in halfway if e.event.code == "AF")) + 1]  # at the line-haul's start
    simulator.post(halfway)
    html = _page(buyer_user, shipment.tracking_no).content.decode()
    assert "At a sorting hub" in html and "<code>AF</code>" in html and "Estimated delivery" in html
    assert html.index("At a sorting hub") < html.index("Label created")  # newest first
    assert 'data-testid="here"' in html and "<svg" in html and 'class="leg done"' in html
    assert 'class="leg planned"' in html


def test_estimate_falls_back_to_planned_days_then_uses_the_corridor(shipment, net, seller_org, buyer_user):  # noqa: F811
    from django.core.cache import cache

    from ewtp.logistics.eta import corridor_days, estimate_delivery
    from ewtp.logistics.samples_track import make_shipment

    pickup = datetime(2026, 11, 2, 8, tzinfo=UTC)
    simulator.post([simulator.SimEvent("POSMY", simulator.EventData(
        "p1", shipment.legs.get(seq=1).tracking_no, "EMA", pickup))])
    assert corridor_days("MY", "BE") is None
    assert estimate_delivery(shipment) == (pickup + timedelta(days=6.5)).date()  # 1.5 + 3 + 2 planned days
    for i in range(5):  # five delivered shipments in the corridor, 4 + i days door to door
        s = make_shipment(seller_org, buyer_user)
        s.events.create(carrier=net[1]["POSMY"], event_id=f"x{i}", raw_code="EMA", status="picked_up",
                        occurred_at=pickup, details={})
        s.delivered_at = pickup + timedelta(days=4 + i)
        s.save()
    assert corridor_days("MY", "BE") is None  # measured a moment ago: kept for a few minutes
    cache.clear()
    assert corridor_days("MY", "BE") == 6
    assert estimate_delivery(shipment) == (pickup + timedelta(days=6)).date()


def test_delivered_page_in_three_languages(shipment, buyer_user):  # noqa: F811
    simulator.post(simulator.simulate_events(shipment, START, random.Random(12), failure_rate=1))
    en = _page(buyer_user, shipment.tracking_no, "en").content.decode()
    assert "Delivered" in en and "Delivery attempt failed" in en and "EMI" in en
    zh = _page(buyer_user, shipment.tracking_no, "zh-hans").content.decode()
    assert "已送达" in zh and "投递未成功" in zh
    ms = _page(buyer_user, shipment.tracking_no, "ms").content.decode()
    assert "Dihantar" in ms


def test_htmx_refresh_returns_the_body_only(shipment, buyer_user):  # noqa: F811
    r = _client(buyer_user).get(f"/logistics/track/{shipment.tracking_no}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"<html" not in r.content and b"data-testid=\"timeline\"" in r.content


def test_find_form_redirects(buyer_user, shipment):  # noqa: F811
    r = _client(buyer_user).get("/logistics/track/", {"number": shipment.tracking_no})
    assert r.status_code == 302 and r["Location"].endswith(f"/logistics/track/{shipment.tracking_no}/")


@pytest.mark.parametrize("cut,expect", [(1, ("stop", 0)), ("AF", ("stop", 1)), ("DF", ("leg", 1)),
                                         (None, ("stop", 3))])
def test_position_on_the_route(shipment, cut, expect):  # noqa: F811
    events = simulator.simulate_events(shipment, START, random.Random(3), failure_rate=0, exception_rate=0)
    if cut is None:
        upto = events
    elif isinstance(cut, int):
        upto = events[:cut]
    else:
        upto = events[:[e.event.code for e in events].index(cut) + 1]
    simulator.post(upto)
    legs = list(Leg.objects.filter(shipment=shipment).select_related("lane__from_hub", "lane__to_hub").order_by("seq"))
    m = routemap.route_map(legs, history(shipment))
    assert routemap.position(legs, m.stops, history(shipment)) == expect
    assert [s.label for s in m.stops] == ["MY", "KUL", "LGG", "BE"]
    assert all(0 <= s.x <= m.width and 0 <= s.y <= m.height for s in m.stops)
    assert m.stops[1].x > m.stops[2].x and m.stops[1].y > m.stops[2].y  # Kuala Lumpur: east and south of Liège
