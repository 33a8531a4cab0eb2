"""Fixtures for the consolidation, documents, returns and claims tests: hubs, carriers, lanes
and shipments made directly from the models (until create_shipment is in this branch)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from ewtp.accounts.models import Organisation
from ewtp.logistics.models import Carrier, Hub, Lane, Leg, Parcel, ParcelItem, Shipment
from ewtp.logistics.numbers import make_s10

_seq = itertools.count(1)

HUBS = {
    "HGH": ("Hangzhou hub", "CN", "Hangzhou", "30.22950", "120.43440"),
    "KUL": ("Kuala Lumpur hub", "MY", "Sepang", "2.74560", "101.70990"),
    "LGG": ("Liège hub", "BE", "Liège", "50.63740", "5.44322"),
}


def hub(code: str) -> Hub:
    name, country, city, lat, lon = HUBS[code]
    return Hub.objects.get_or_create(code=code, defaults={
        "name": name, "country": country, "city": city, "latitude": Decimal(lat), "longitude": Decimal(lon),
        "location_id": f"https://ewtp.example/hubs/{code}"})[0]


def carrier(code: str, *, currency: str = "EUR", per_kg: str = "0", table: str = "upu_emsevt",
            org: Organisation | None = None) -> Carrier:
    if org is None:
        org = Organisation.objects.create(kind=Organisation.LOGISTICS, name=f"{code} org", country="MY")
    return Carrier.objects.get_or_create(code=code, defaults={
        "name": code, "organisation": org, "code_table": table, "currency": currency,
        "liability_per_kg": Decimal(per_kg)})[0]


def lane(kind: str, c: Carrier, *, mode: str = "air", from_hub: Hub | None = None, to_hub: Hub | None = None,
         from_country: str = "", to_country: str = "", days: str = "2") -> Lane:
    return Lane.objects.create(kind=kind, carrier=c, mode=mode, from_hub=from_hub, to_hub=to_hub,
                               from_country=from_country or (from_hub.country if from_hub else ""),
                               to_country=to_country or (to_hub.country if to_hub else ""),
                               transit_days=Decimal(days))


class Network:
    """CN seller -> HGH -> (air, DHLX) LGG -> BE buyer; HGH -> KUL for another destination."""

    def __init__(self):
        self.hgh, self.kul, self.lgg = hub("HGH"), hub("KUL"), hub("LGG")
        self.hubco = carrier("EWTPHUB", table="ewtp_hub", currency="EUR")
        self.post = carrier("CNPOST", currency="CNY", per_kg="60")
        self.air = carrier("DHLX", table="dhl_express", currency="EUR", per_kg="20")
        self.bpost = carrier("BPOST", currency="EUR", per_kg="10")
        self.sea = carrier("MAERSK", table="dcsa", currency="USD", per_kg="2")
        self.first = lane(Lane.FIRST_MILE, self.post, mode="road", to_hub=self.hgh, from_country="CN")
        self.air_lgg = lane(Lane.LINE_HAUL, self.air, from_hub=self.hgh, to_hub=self.lgg)
        self.air_kul = lane(Lane.LINE_HAUL, self.air, from_hub=self.hgh, to_hub=self.kul)
        self.sea_lgg = lane(Lane.LINE_HAUL, self.sea, mode="sea", from_hub=self.hgh, to_hub=self.lgg, days="30")
        self.last = lane(Lane.LAST_MILE, self.bpost, mode="road", from_hub=self.lgg, to_country="BE")
        # the reverse route, for return shipments
        self.r_first = lane(Lane.FIRST_MILE, self.bpost, mode="road", to_hub=self.lgg, from_country="BE")
        self.r_air = lane(Lane.LINE_HAUL, self.air, from_hub=self.lgg, to_hub=self.hgh)
        self.r_last = lane(Lane.LAST_MILE, self.post, mode="road", from_hub=self.hgh, to_country="CN")


SELLER_ADDR = {"name": "Hangzhou Tea Co", "phone": "+86 571 0000 0000", "lines": ["88 Longjing Road"],
               "city": "Hangzhou", "postcode": "310000", "country": "CN"}
BUYER_ADDR = {"name": "Anne Dupont", "phone": "+32 4 000 00 00", "lines": ["Rue de la Station 12"],
              "city": "Liège", "postcode": "4000", "country": "BE"}


def shipment(net: Network, *, seller: Organisation, buyer, order_ref: str | None = None, dest: Hub | None = None,
             weight: str = "1.250", items: list[dict] | None = None, status: str = "info_received") -> Shipment:
    n = next(_seq)
    dest = dest or net.lgg
    s = Shipment.objects.create(
        tracking_no=make_s10("EW", n, "CN"), order_ref=order_ref or f"OG{n}-S1", seller=seller, buyer=buyer,
        origin_country="CN", destination_country=dest.country, origin_hub=net.hgh, destination_hub=dest,
        ship_from=SELLER_ADDR, ship_to=BUYER_ADDR | {"country": dest.country}, status=status,
        quote={"price": "12.30", "currency": "EUR", "transit_days": "6.5"})
    p = Parcel.objects.create(shipment=s, seq=1, tracking_no=make_s10("EP", n, "CN"), weight_kg=Decimal(weight),
                              length_cm=Decimal("30"), width_cm=Decimal("20"), height_cm=Decimal("10"))
    for i, it in enumerate(items or [
        {"description": "Longjing green tea, 250 g tin", "quantity": 2, "net_weight_kg": "0.500", "value": "24.00",
         "hs_code": "090210", "sku": "TEA-LJ-250"},
        {"description": "Celadon tea cup", "quantity": 1, "net_weight_kg": "0.300", "value": "15.50",
         "hs_code": "691200", "sku": "CUP-CEL"},
    ], start=1):
        ParcelItem.objects.create(parcel=p, seq=i, sku=it.get("sku", f"SKU{i}"), description=it["description"],
                                  quantity=it["quantity"], net_weight_kg=Decimal(it["net_weight_kg"]),
                                  value=Decimal(it["value"]), currency=it.get("currency", "EUR"),
                                  hs_code=it["hs_code"], origin_country=it.get("origin", "CN"))
    lanes = [net.first, net.air_lgg if dest == net.lgg else net.air_kul, net.last]
    for seq, ln in enumerate(lanes, start=1):
        Leg.objects.create(shipment=s, seq=seq, kind=ln.kind, lane=ln, carrier=ln.carrier,
                           tracking_no=f"{ln.carrier.code}{n:06d}{seq}", planned_days=ln.transit_days)
    return s


def pay_order(s: Shipment, amount: str = "100.00", currency: str = "EUR", *, seller_currency: str = "CNY",
              duty: str = "0.00", tax: str = "0.00", card: str = "4242424242424242") -> None:
    """Pay the shipment's order through the sandbox provider, up to the money held in escrow."""
    from ewtp.core.money import Money
    from ewtp.payments import services
    from tests.payments.helpers import flush_webhooks

    services.start_payment("test", order_ref=s.order_ref, amount=Money(amount, currency), seller_org_id=s.seller_id,
                           seller_currency=seller_currency, card_number=card, buyer_user_id=s.buyer_id,
                           jurisdiction="BE", duty=Money(duty, currency), tax=Money(tax, currency))
    flush_webhooks()
    services.capture_payment("test", s.order_ref)
    flush_webhooks()


def sold_with_failing_refunds(make_user, rates, other_sale: str = "50.00"):
    """A delivered order paid with the sandbox card whose refunds fail, its escrow released to the
    seller (in CNY), and another sale of `other_sale` EUR released too, so the seller's balance
    covers a return refund. Returns (shipment, seller user, buyer user)."""
    from ewtp.core.money import Money
    from ewtp.payments import escrow
    from ewtp.payments.providers.sandbox import REFUND_FAILS

    seller, seller_user, buyer = parties(make_user)
    s = deliver(shipment(Network(), seller=seller, buyer=buyer))
    pay_order(s, "100.00", "EUR", card=REFUND_FAILS)
    escrow.release("test", s.order_ref, rates=rates)
    escrow.hold("test", order_ref="OTHER-2", seller_org_id=s.seller_id, amount=Money(other_sale, "EUR"),
                seller_currency="CNY", provider="sandbox")
    escrow.release("test", "OTHER-2", rates=rates)
    return s, seller_user, buyer


def deliver(s: Shipment, when=None) -> Shipment:
    from django.utils import timezone

    s.status, s.delivered_at = "delivered", when or timezone.now()
    s.save(update_fields=["status", "delivered_at"])
    return s


def parties(make_user):
    """(seller organisation, seller user, buyer user), made through the accounts service."""
    seller_user = make_user("seller")
    return seller_user.memberships.first().organisation, seller_user, make_user("buyer")


def pin_rates(monkeypatch):
    """Convert at the payments tests' fixed table wherever the services use the hub's default rates."""
    from ewtp.payments import fx
    from tests.payments.conftest import RATES

    monkeypatch.setattr(fx, "default_rates", lambda: RATES)
    return RATES
