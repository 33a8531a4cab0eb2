"""The demo catalogue (issue 8): every seller country has its own goods, each with a covered HS
subheading, titles in the three languages, a weight and a price; the world sells them."""

from __future__ import annotations

from decimal import Decimal

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.demo import world
from ewtp.market.models import Product
from ewtp.rules.refdata import is_country, is_hs_subheading

# The subheadings the shipped tariff schedules cover (issue 8); that each schedule has a rate for every
# catalogue subheading is tests/rules' concern.
COVERED = {"090121", "090210", "090230", "330499", "392690", "420221", "420222", "490199", "520852", "610910",
           "611020", "620442", "640399", "640411", "691200", "711719", "847130", "851762", "940360", "950300"}
LANGUAGES = ("en", "zh", "ms")
GROUPS = world.DATA["sellers"]
TEMPLATES = world.DATA["products"]
OWN = {g["country"]: [t for t in TEMPLATES if t["country"] == g["country"]] for g in GROUPS}


def test_every_template_has_a_covered_hs_subheading():
    for t in TEMPLATES:
        assert t["hs"] in COVERED, t
        assert is_hs_subheading(t["hs"]), t


def test_titles_exist_in_three_languages_and_are_distinct():
    for lang in LANGUAGES:
        titles = [t[lang].strip() for t in TEMPLATES]
        assert all(titles), lang
        assert len(set(titles)) == len(titles), [x for x in titles if titles.count(x) > 1]
    for t in TEMPLATES:  # the Chinese title is written in Chinese, not copied from the English
        assert any("\u4e00" <= c <= "\u9fff" for c in t["zh"]), t
        assert t["ms"] != t["en"], t


def test_each_group_has_enough_goods_with_weight_and_price():
    assert len(GROUPS) == len(OWN)  # one group per country
    assert {t["country"] for t in TEMPLATES} == set(OWN)  # no goods without sellers
    for country, own in OWN.items():
        assert is_country(country), country
        assert len(own) >= 6, country
        for t in own:
            assert Decimal("0") < Decimal(t["kg"]) <= Decimal("30"), t
            assert Decimal("0") < Decimal(t["usd"]) <= Decimal("1000"), t
    # 300+ products in the default world (five per seller)
    assert sum(len(g["names"]) for g in GROUPS) * 5 >= 300


def test_sellers_offer_their_own_countrys_goods(make_user, network, monkeypatch):
    groups = [dict(g, names=g["names"][:2]) for g in GROUPS if g["country"] in ("KE", "CN")]
    monkeypatch.setitem(world.DATA, "sellers", groups)
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    w = world.build(operator, seed=5, buyers=0, products_per_seller=5)
    assert len(w.seller_actors) == 4
    own = {g["country"]: {t["en"]: t for t in OWN[g["country"]]} for g in groups}
    products = list(Product.objects.filter(status="published"))
    assert len(products) == 4 * 5
    by_seller: dict[int, list[str]] = {}
    for p in products:
        title = p.title_en
        t = own[p.origin][title]  # a Kenyan seller sells Kenyan goods, a Chinese seller Chinese goods
        assert (p.hs_code, p.title_zh_hans, p.title_ms) == (t["hs"], t["zh"], t["ms"])
        by_seller.setdefault(p.seller_id, []).append(title)
    assert len(by_seller) == 4 and all(len(set(v)) == len(v) == 5 for v in by_seller.values())
