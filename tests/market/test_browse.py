from decimal import Decimal

from ewtp.market import catalogue
from ewtp.market.browse import BrowseQuery, browse
from ewtp.market.search import document_tokens, query_tokens
from tests.market.conftest import rate


def _titles(page):
    return [i.product.title("en") for i in page.items]


def test_tokens_index_chinese_as_unigrams_and_bigrams():
    assert document_tokens("紫砂茶壶 Teapot") == ["紫", "砂", "茶", "壶", "紫砂", "砂茶", "茶壶", "teapot"]
    assert query_tokens("茶壶") == ["茶壶"] and query_tokens("茶") == ["茶"]


def test_search_in_three_languages(make_seller, make_product):
    actor, org = make_seller()
    make_product(actor, org, title="Yixing clay teapot", zh="宜兴紫砂茶壶", ms="Teko tanah liat Yixing", hs="691200")
    make_product(actor, org, title="Batik cotton T-shirt", zh="蜡染棉质T恤", ms="Baju-T kapas batik")
    find = lambda q: _titles(browse(BrowseQuery(q=q, currency="MYR"), rate))  # noqa: E731
    assert find("teapot") == ["Yixing clay teapot"]
    assert find("茶壶") == ["Yixing clay teapot"]
    assert find("紫砂") == ["Yixing clay teapot"]
    assert find("蜡染") == ["Batik cotton T-shirt"]
    assert find("kapas batik") == ["Batik cotton T-shirt"]
    assert find("teapot batik") == []
    assert find('"; DROP TABLE market_product; --') == []


def test_unpublished_and_archived_are_not_found(make_seller, make_product):
    actor, org = make_seller()
    make_product(actor, org, title="Draft kite", publish=False)
    p = make_product(actor, org, title="Old kite")
    catalogue.archive(actor, p.pk)
    assert _titles(browse(BrowseQuery(q="kite", currency="MYR"), rate)) == []


def test_filters_and_price_in_the_buyers_currency(make_seller, make_product):
    my, org_my = make_seller("MY", "MYR")
    cn, org_cn = make_seller("CN", "CNY")
    make_product(my, org_my, title="Batik shirt", price="100.00")  # 33.00 AUD
    make_product(cn, org_cn, title="Silk scarf", origin="CN", hs="621410", price="200.00")  # 42.00 AUD
    make_product(cn, org_cn, title="Green tea", origin="CN", hs="090210", price="50.00")  # 10.50 AUD
    q = lambda **kw: browse(BrowseQuery(currency="AUD", **kw), rate)  # noqa: E731
    assert sorted(_titles(q(origin="CN"))) == ["Green tea", "Silk scarf"]
    assert _titles(q(chapter="09")) == ["Green tea"]
    assert _titles(q(seller_country="MY")) == ["Batik shirt"]
    assert _titles(q(sort="price_asc")) == ["Green tea", "Batik shirt", "Silk scarf"]
    assert _titles(q(sort="price_desc")) == ["Silk scarf", "Batik shirt", "Green tea"]
    assert sorted(_titles(q(min_price=Decimal("30"), max_price=Decimal("40")))) == ["Batik shirt"]
    page = q(sort="price_asc", size=2, page=2)
    assert page.total == 3 and page.pages == 2 and _titles(page) == ["Silk scarf"]
    assert page.items[0].buyer_price.amount == Decimal("42.00") and page.items[0].price.currency == "CNY"
