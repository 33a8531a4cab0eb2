"""Browsing the published catalogue: full-text search, filters, price in the buyer's currency,
sorting and pagination. Prices are converted with a rate lookup supplied by the caller (the
hub's buyer rate: ECB reference plus the published margin), never re-derived here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Min, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from ewtp.core.money import Money
from ewtp.market.models import Product
from ewtp.market.search import matching_product_ids_sql

RateLookup = Callable[[str, str], Decimal]  # (from currency, to currency) -> units of `to` per unit of `from`
SORTS = {"relevance", "newest", "price_asc", "price_desc"}
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class BrowseQuery:
    q: str = ""
    chapter: str = ""
    origin: str = ""
    seller_country: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency: str = "USD"
    sort: str = "relevance"
    page: int = 1
    size: int = 24


@dataclass(frozen=True)
class Listing:
    product: Product
    price: Money  # lowest variant price, in the seller's currency
    buyer_price: Money  # the same converted to the buyer's currency (unrounded until display)


@dataclass(frozen=True)
class BrowsePage:
    items: list[Listing]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _buyer_price_expr(currencies: list[str], to: str, rate: RateLookup) -> Case:
    out = DecimalField(max_digits=30, decimal_places=10)
    return Case(
        *[When(min_currency=c, then=ExpressionWrapper(F("min_price") * Value(rate(c, to)), output_field=out))
          for c in currencies],
        output_field=out,
    )


def browse(query: BrowseQuery, rate: RateLookup) -> BrowsePage:
    qs: QuerySet[Product] = Product.objects.filter(status=Product.PUBLISHED)
    found = matching_product_ids_sql(query.q)
    if found is not None:
        qs = qs.filter(pk__in=RawSQL(*found))  # noqa: S611 - fixed SQL, the query text is a bound parameter
    if query.chapter:
        qs = qs.filter(hs_chapter=query.chapter)
    if query.origin:
        qs = qs.filter(origin=query.origin)
    if query.seller_country:
        qs = qs.filter(seller_country=query.seller_country)
    qs = qs.annotate(min_price=Min("variants__price_amount"), min_currency=Min("variants__currency"))
    currencies = sorted(set(qs.values_list("min_currency", flat=True)))
    if query.min_price is not None or query.max_price is not None:
        cond = Q()
        for c in currencies:
            r = rate(c, query.currency)
            part = Q(min_currency=c)
            if query.min_price is not None:
                part &= Q(min_price__gte=query.min_price / r)
            if query.max_price is not None:
                part &= Q(min_price__lte=query.max_price / r)
            cond |= part
        qs = qs.filter(cond) if currencies else qs.none()
    if query.sort in ("price_asc", "price_desc") and currencies:
        qs = qs.annotate(buyer_price=_buyer_price_expr(currencies, query.currency, rate))
        qs = qs.order_by("buyer_price" if query.sort == "price_asc" else "-buyer_price", "pk")
    else:
        qs = qs.order_by("-created_at", "-pk")  # relevance: FTS rank differs per database; newest first
    total = qs.count()
    size = max(1, min(query.size, MAX_PAGE_SIZE))
    page = max(1, query.page)
    rows = list(qs[(page - 1) * size : page * size])
    items = [
        Listing(p, Money(p.min_price, p.min_currency),
                Money(Decimal(p.min_price) * rate(p.min_currency, query.currency), query.currency))
        for p in rows
    ]
    return BrowsePage(items, total, page, size)
