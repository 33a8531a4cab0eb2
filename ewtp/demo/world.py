"""The demo world: sellers in a dozen countries with verified registrations and stocked
catalogues, and buyers across the rule packs' jurisdictions — built through the same services as
the pages and the API, reproducibly from a seed."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ewtp.accounts.models import Organisation, User
from ewtp.accounts.services import actor_for_user, create_simulated_buyers, create_user
from ewtp.core.actor import Actor, Role
from ewtp.core.money import Money
from ewtp.market import catalogue, sellers
from ewtp.market.catalogue import ProductSpec, VariantSpec
from ewtp.rules import fx

DATA = json.loads((Path(__file__).parent / "data" / "catalogue.json").read_text(encoding="utf-8"))
# Buyers' countries: one or more per rule-pack jurisdiction (EU members stand for the EU pack).
BUYER_COUNTRIES = ["AU", "NZ", "GB", "US", "CA", "SG", "MY", "CN", "JP", "NO", "CH", "DE", "FR", "NL", "BE", "IT"]
STOCK = 5_000


@dataclass
class World:
    seller_actors: list[Actor] = field(default_factory=list)
    variants: list[int] = field(default_factory=list)
    buyers: list[Actor] = field(default_factory=list)


def _price(usd: str, currency: str, rng: random.Random) -> str:
    on = timezone.localdate()
    amount = Decimal(usd) * Decimal(rng.randint(85, 125)) / 100
    return str(Money(amount * fx.ecb_rate("USD", currency, on).rate, currency).rounded().amount)


def _seller_currency(currency: str) -> str:
    # Sellers whose currency has no ECB reference rate (KES, RWF, ETB, VND) price in US dollars.
    return currency if currency in fx.currencies() else "USD"


def build(operator: Actor, seed: int = 7, *, buyers: int = 1000, products_per_seller: int = 5,
          progress=lambda n: None) -> World:
    rng = random.Random(seed)
    world = World()
    templates = DATA["products"]
    for group in DATA["sellers"]:
        currency = _seller_currency(group["currency"])
        # a seller offers its own country's goods, so a Kenyan roaster never sells Chinese teapots
        own = [t for t in templates if t["country"] == group["country"]]
        for name in group["names"]:
            username = "s-" + "".join(c for c in name.lower() if c.isalnum())[:24]
            user = User.objects.filter(username=username).first()
            if user is not None:  # the world exists already (a second `ewtp demo`)
                world.seller_actors.append(actor_for_user(user))
                continue
            with transaction.atomic():
                # the demo's `seller` account may have opened this organisation already: join it
                org, _ = Organisation.objects.get_or_create(kind=Organisation.SELLER, name=name,
                                                            defaults={"country": group["country"]})
                user = create_user("demo", username=username, email=f"{username}@demo.ewtp.invalid",
                                   password=None, role=Role.SELLER, country=group["country"],
                                   organisation=org, org_role="owner")
                actor = actor_for_user(user)
                sellers.onboard(actor, org.pk, legal_name=name, country=group["country"], base_currency=currency,
                                address=f"{name}, {group['country']}")
                if group["registration"]:
                    sellers.add_registration(actor, org.pk, *group["registration"])
                sellers.decide_verification(operator, org.pk, verified=True)
                w = catalogue.create_warehouse(actor, org.pk, name=f"{name} warehouse", country=group["country"])
                # sampled without replacement: a seller's products are distinct without its name in the title
                for i, t in enumerate(rng.sample(own, products_per_seller)):
                    p = catalogue.create_product(actor, org.pk, ProductSpec(
                        hs_code=t["hs"], origin=group["country"],
                        titles={"en": t["en"], "zh_hans": t["zh"], "ms": t["ms"]},
                        variants=[VariantSpec(sku=f"{org.pk}-{i}", price=_price(t["usd"], currency, rng),
                                              weight_kg=t["kg"])]))
                    catalogue.publish(actor, p.pk)
                    catalogue.set_stock(actor, p.variants.get().pk, w.pk, STOCK)
            world.seller_actors.append(actor)
            progress(1)
    _risk_rules(operator)
    from ewtp.market.models import Variant

    world.variants = list(Variant.objects.filter(product__status="published").order_by("pk").values_list("pk", flat=True))
    existing = list(User.objects.filter(role=Role.BUYER, username__startswith="b-").order_by("pk"))
    if len(existing) < buyers:
        existing += create_simulated_buyers("demo", [(f"b-{seed}-{i}", BUYER_COUNTRIES[i % len(BUYER_COUNTRIES)])
                                                     for i in range(len(existing), buyers)])
    world.buyers = [actor_for_user(u) for u in existing[:buyers]]
    return world


# Each destination's customs samples parcels for a document check (yellow) and, more rarely, a
# physical inspection (red); a real zone's operator tunes these — the demo shows the lanes at work.
SAMPLING = (("yellow", "0.06"), ("red", "0.015"))


def _risk_rules(operator: Actor) -> None:
    from ewtp.customs.models import RiskRule
    from ewtp.customs.services import save_risk_rule

    if RiskRule.objects.exists():  # a second `ewtp demo` keeps the operator's rules
        return
    for country in BUYER_COUNTRIES:
        for lane, rate in SAMPLING:
            save_risk_rule(operator, kind="random_sampling", lane=lane, params={"rate": rate}, jurisdiction=country,
                           note="demo: random sampling")
