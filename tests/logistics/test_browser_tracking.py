"""In a real browser: a buyer follows a parcel to delivery on the tracking page."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ewtp.core.actor import Role
from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_follows_a_parcel_to_delivery(page, make_user):
    from ewtp.accounts.models import Organisation
    from ewtp.logistics import simulator
    from ewtp.logistics.samples_track import make_shipment

    buyer = make_user(Role.BUYER, username="buyer-amelie")
    seller = Organisation.objects.create(kind=Organisation.SELLER, name="Batik House", country="MY")
    shipment = make_shipment(seller, buyer)
    events = simulator.simulate_events(shipment, datetime(2026, 11, 2, tzinfo=UTC), random.Random(21),
                                       failure_rate=1, exception_rate=0)
    codes = [e.event.code for e in events]
    simulator.post(events[:1])  # the label is printed: pre-advice only

    sign_in(page, buyer.username, PASSWORD)
    page.click("nav >> text=Track a parcel")
    page.fill("#number", shipment.tracking_no)
    page.click("form.stacked button[type=submit]")
    assert "Label created" in page.inner_text("[data-testid=track-status]")
    assert page.inner_text("[data-testid=eta]").strip()
    assert page.locator("[data-testid=route] circle.here").count() == 1

    simulator.post(events[:codes.index("DF") + 1])  # the line-haul has left Kuala Lumpur
    page.reload()
    assert "In transit" in page.inner_text("[data-testid=track-status]")
    assert page.locator("[data-testid=route] line.leg.current").count() == 1
    timeline = page.inner_text("[data-testid=timeline]")
    assert "Picked up" in timeline and "At a sorting hub" in timeline and "KUL" in timeline

    simulator.post(events)  # customs, a failed attempt, then delivery with proof
    page.reload()
    assert "Delivered" in page.inner_text("[data-testid=track-status]")
    assert page.inner_text("[data-testid=delivered-on]").strip()
    timeline = page.inner_text("[data-testid=timeline]")
    assert "Delivery attempt failed" in timeline and "Cleared by customs" in timeline
    assert page.locator("[data-testid=route] line.leg.done").count() == 3

    switch_language(page, "zh-hans")
    assert "已送达" in page.inner_text("[data-testid=track-status]")
    switch_language(page, "ms")
    assert "Dihantar" in page.inner_text("[data-testid=track-status]")


def test_someone_else_cannot_see_the_parcel(page, make_user):
    from ewtp.accounts.models import Organisation
    from ewtp.logistics.samples_track import make_shipment

    owner = make_user(Role.BUYER)
    seller = Organisation.objects.create(kind=Organisation.SELLER, name="Kopi Co", country="MY")
    shipment = make_shipment(seller, owner)
    other = make_user(Role.BUYER, username="buyer-nosy")
    sign_in(page, other.username, PASSWORD)
    assert page.goto(f"/logistics/track/{shipment.tracking_no}/").status == 404
