from decimal import Decimal

import pytest

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.market import catalogue, sellers
from ewtp.market.catalogue import ProductSpec, VariantSpec

# Fixed test rates (units of `to` per unit of `from`), so expectations are exact.
RATES = {("MYR", "AUD"): Decimal("0.33"), ("CNY", "AUD"): Decimal("0.21"), ("AUD", "AUD"): Decimal(1),
         ("MYR", "MYR"): Decimal(1), ("CNY", "MYR"): Decimal("0.65"), ("CNY", "CNY"): Decimal(1),
         ("MYR", "CNY"): Decimal("1.54")}


def rate(frm: str, to: str) -> Decimal:
    return RATES[(frm, to)]


@pytest.fixture
def operator(make_user):
    return actor_for_user(make_user(Role.HUB_OPERATOR))


@pytest.fixture
def make_seller(make_user, operator, network):
    """make_seller(country, currency, verified=True) -> (actor, org_id)"""

    def make(country="MY", currency="MYR", verified=True):
        user = make_user(Role.SELLER)
        actor = actor_for_user(user)
        org_id = next(iter(actor.org_ids))
        sellers.onboard(actor, org_id, legal_name=f"Seller {org_id} Sdn Bhd", country=country,
                        base_currency=currency, address="1 Jalan Test, Kuala Lumpur")
        if verified:
            sellers.decide_verification(operator, org_id, verified=True)
        return actor, org_id

    return make


@pytest.fixture
def make_product():
    def make(actor, org_id, *, hs="610910", origin="MY", title="Batik cotton T-shirt", zh="", ms="",
             price="45.00", sku=None, publish=True, description=""):
        spec = ProductSpec(hs_code=hs, origin=origin, titles={"en": title, "zh_hans": zh, "ms": ms},
                           descriptions={"en": description},
                           variants=[VariantSpec(sku=sku or f"SKU-{title[:10]}-{price}", price=price, weight_kg="0.2")])
        p = catalogue.create_product(actor, org_id, spec)
        if publish:
            catalogue.publish(actor, p.pk)
        return p

    return make
