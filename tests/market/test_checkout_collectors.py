"""The hub collects tax at sale as the marketplace (deemed supplier) where it is registered: an
unregistered Malaysian seller's low-value goods to Australia carry 10% GST at checkout; with no hub
registrations configured they carry none (AU collects no GST at the border under AUD 1,000)."""

from decimal import Decimal

import pytest

from ewtp.market import cart
from ewtp.market.checkout import quote_checkout
from tests.market.test_checkout import AU, buyer, stocked  # noqa: F401 - fixtures


def _consignment(buyer, v):  # noqa: F811
    cart.set_quantity(buyer, v, 1)
    return quote_checkout(buyer, AU).payload["consignments"][0]


@pytest.mark.parametrize("hub, gst", [(["AU-GST"], True), ([], False)])
def test_the_hub_collects_gst_at_checkout_when_registered(buyer, stocked, settings, hub, gst):  # noqa: F811
    settings.EWTP_HUB_REGISTRATIONS = hub
    [v] = stocked("MY", "MYR", price="45.00")
    c = _consignment(buyer, v)
    assert c["engine"]["regime"]["code"].startswith("AU")
    if gst:  # 10% of goods and shipping (GST on the full price, delivery included), at checkout
        expected = ((Decimal(c["goods"]) + Decimal(c["shipping"])) * Decimal("0.10")).quantize(Decimal("0.01"))
        assert abs(Decimal(c["tax"]) - expected) <= Decimal("0.02")
        assert Decimal(c["at_checkout"]) == Decimal(c["tax"]) and Decimal(c["at_border"]) == 0
    else:
        assert Decimal(c["tax"]) == 0 and Decimal(c["at_border"]) == 0
