"""Checkout: price the cart per seller consignment (goods, shipping, duty, tax, fees), in the
buyer's currency, and lock the result for 15 minutes.

For each seller the consignment ships from the seller's country; shipping is the logistics quote
(cheapest route through the hub network, in the seller's currency at the ECB reference); duty
and tax come from the landed-cost engine, which answers in the destination's currency — the
buyer's currency here. Goods and shipping are converted into it at the buyer rate (ECB reference
+ the hub's margin), while customs values use the ECB reference rate itself, as the engine does.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language

from ewtp.core import audit
from ewtp.core.actor import Actor
from ewtp.core.compiled import CompiledQuery, insert
from ewtp.core.errors import AppError, ValidationFailed
from ewtp.core.money import Money
from ewtp.logistics.packing import Item, pack
from ewtp.logistics.quote import quote_shipping
from ewtp.logistics.snapshot import Network, network_on
from ewtp.logistics.transit import corridor_medians
from ewtp.market import checkout_memo, encoded
from ewtp.market.cart import buyer_lines, fingerprint
from ewtp.market.identity import is_prc_id_number
from ewtp.market.models import CartLine, CbecUsage, CheckoutQuote, SellerProfile, TaxRegistration
from ewtp.market.pricing import buyer_rate
from ewtp.payments.fees import fee_for
from ewtp.rules.engine import quote as landed_cost
from ewtp.rules.fx import ecb_rate
from ewtp.rules.refdata import country_table

LOCK = timedelta(minutes=15)
ADDRESS_FIELDS = {"name": 100, "phone": 30, "line1": 200, "city": 100, "postcode": 20, "country": 2,
                  "subdivision": 10, "id_name": 100, "id_number": 18}


def _check_address(dest: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {}
    for k, v in dest.items():
        if k not in ADDRESS_FIELDS:
            errors[f"address.{k}"] = ["unknown field"]
        elif not isinstance(v, str) or len(v) > ADDRESS_FIELDS[k]:
            errors[f"address.{k}"] = [f"text of at most {ADDRESS_FIELDS[k]} characters"]
        else:
            clean[k] = v.strip()
    for k in ("name", "phone", "line1", "city", "country"):
        if not clean.get(k):
            errors.setdefault(f"address.{k}", ["required"])
    country = clean.get("country", "")
    if country and country not in country_table():
        errors["address.country"] = [f"unknown country code {country!r}"]
    if country == "CN":  # the CBEC regime taxes the buyer by identity
        if not clean.get("id_name"):
            errors["address.id_name"] = ["China's cross-border e-commerce rules need the buyer's name as on the ID"]
        if not is_prc_id_number(clean.get("id_number", "")):
            errors["address.id_number"] = ["a valid 18-character PRC resident identity number"]
    if errors:
        raise ValidationFailed("the delivery address is not complete", fields=errors)
    return clean


# the buyer's usage row of the year, compiled once: every checkout to China reads it
_cbec_usage = CompiledQuery(lambda buyer_id, year: CbecUsage.objects.filter(buyer_id=buyer_id, year=year)
                            .only("used_cny").order_by("pk")[:1])


def _cbec_used(buyer_id: int, year: int) -> Decimal:
    row = _cbec_usage.first(buyer_id, year)
    return (row.used_cny if row is not None else None) or Decimal(0)


CBEC_SINGLE, CBEC_ANNUAL = Decimal(5000), Decimal(26000)  # RMB; RULES-FACTS "China — CBEC retail import"


def _check_cbec_limits(profile: SellerProfile, lines: list, goods: Money, shipping: Money, used: Decimal,
                       today) -> None:
    """Refuse, with the reason, a consignment to China that cannot go through CBEC: over RMB 5,000
    (unless it is one indivisible item, which CBEC takes at full rates) or past the buyer's
    RMB 26,000 annual limit. The engine applies the same limits to the tax itself."""
    value = (goods.amount + shipping.amount) * ecb_rate(goods.currency, "CNY", today).rate
    single_item = len(lines) == 1 and lines[0].quantity == 1
    if (value > CBEC_SINGLE and not single_item) or used + value > CBEC_ANNUAL:
        raise ValidationFailed(
            f"{profile.legal_name}: this consignment (about RMB {value:.2f}) exceeds China's cross-border "
            f"e-commerce limits (RMB 5,000 per order; RMB 26,000 per year, RMB {used:.2f} already used); "
            "reduce the quantity or split the order",
            code="cbec_limit", fields={"cart": ["over the CBEC single-transaction or annual limit"]})


def _shipping(profile: SellerProfile, lines: list, titles: list[str], country: str, today, net: Network,
              medians: dict):
    items = [Item(ln.variant.sku, title, ln.quantity, ln.variant.weight_kg,
                  ln.variant.price_amount, profile.base_currency, ln.variant.product.hs_code, ln.variant.product.origin)
             for ln, title in zip(lines, titles, strict=True)]
    try:
        return quote_shipping([p.spec() for p in pack(items)], profile.country, country, on=today,
                              currency=profile.base_currency, network=net, medians=medians)
    except AppError as err:
        raise ValidationFailed(f"{profile.legal_name}: {err.message}", code=err.code,
                               fields={"cart": [err.message]}) from None


def _collectors(own: set[str]) -> list[str]:
    """The registrations under which tax is collected at sale: the seller's own and the hub's as the
    marketplace that facilitates the sale (deemed supplier in AU, NZ, GB, EU, NO, SG, MY, CH)."""
    return sorted(own | set(settings.EWTP_HUB_REGISTRATIONS))


# every quote reads its sellers' profiles and tax registrations: compiled once (per number of sellers)
_profiles = CompiledQuery(lambda org_ids: SellerProfile.objects.filter(organisation_id__in=org_ids))
_registrations = CompiledQuery(lambda profile_ids: TaxRegistration.objects.filter(seller_id__in=profile_ids))


def _schemes(profile_ids: list[int]) -> list[tuple[int, str]]:
    return [(r.seller_id, r.scheme) for r in _registrations(profile_ids)]


def _consignment(profile: SellerProfile, schemes: set[str], lines: list, dest: dict, currency: str, buyer_id: int,
                 today, cbec_used: Decimal, net: Network, medians: dict) -> dict:
    seller_ccy = profile.base_currency
    goods = sum((ln.variant.price * ln.quantity for ln in lines), Money.zero(seller_ccy))
    titles = [ln.variant.product.title("en")[:200] for ln in lines]  # the English titles, looked up once
    shipping_quote = _shipping(profile, lines, titles, dest["country"], today, net, medians)
    shipping = shipping_quote.price
    if dest["country"] == "CN":
        _check_cbec_limits(profile, lines, goods, shipping, cbec_used, today)
    request = {
        "date": today.isoformat(), "destination": {"country": dest["country"], **(
            {"subdivision": dest["subdivision"]} if dest.get("subdivision") else {})},
        "ship_from": profile.country, "mode": "courier", "incoterm": "DDP", "currency": seller_ccy,
        "prices_include_tax": False, "shipping": str(shipping.amount), "insurance": "0",
        "seller": {"country": profile.country, "registrations": _collectors(schemes)},
        "buyer": {"id": f"u{buyer_id}", "cbec_used_this_year": str(cbec_used)},
        "lines": [{"hs_code": ln.variant.product.hs_code, "description": title or "goods",
                   "origin": ln.variant.product.origin, "quantity": ln.quantity,
                   "unit_price": str(ln.variant.price_amount), "unit_weight_kg": str(ln.variant.weight_kg)}
                  for ln, title in zip(lines, titles, strict=True)],
    }
    try:
        engine = landed_cost(request)
    except AppError as err:
        raise ValidationFailed(f"{profile.legal_name}: {err.message}", fields={"cart": [err.message]}) from None
    if engine["regime"]["code"] == "CN-GENERAL":
        raise ValidationFailed(
            f"{profile.legal_name}: this consignment exceeds China's cross-border e-commerce limits "
            "(RMB 5,000 per order, RMB 26,000 per year); reduce the quantity or split the order",
            code="cbec_limit", fields={"cart": ["over the CBEC single-transaction or annual limit"]})
    rate = buyer_rate(seller_ccy, currency, today)
    goods_b = Money(goods.amount * rate.rate, currency).rounded()
    shipping_b = Money(shipping.amount * rate.rate, currency).rounded()
    t = engine["totals"]
    at_checkout = Money(t["at_checkout"], currency)
    return {
        "seller_id": profile.organisation_id, "seller_name": profile.legal_name, "seller_currency": seller_ccy,
        "ship_from": profile.country,
        "lines": [{"variant_id": ln.variant_id, "quantity": ln.quantity, "unit_price": str(ln.variant.price_amount),
                   "hs_code": ln.variant.product.hs_code, "origin": ln.variant.product.origin,
                   "title": ln.variant.product.title()[:200]} for ln in lines],
        "goods_seller": str(goods.amount), "shipping_seller": str(shipping.amount),
        "fx": {"from": seller_ccy, "to": currency, "reference": str(rate.reference), "margin": str(rate.margin),
               "rate": str(rate.rate), "date": rate.on.isoformat(), "source": "ECB"},
        "goods": str(goods_b.amount), "shipping": str(shipping_b.amount),
        "duty": t["duty"], "tax": t["tax"], "fees": t["fees"], "at_checkout": t["at_checkout"],
        "at_border": t["at_border"], "total": str((goods_b + shipping_b + at_checkout).amount),
        "hub_fee": str(fee_for(goods_b + shipping_b).amount), "engine": engine,
        "shipping_quote": shipping_quote.as_dict(net),
    }


def quote_checkout(actor: Actor, destination: dict) -> CheckoutQuote:
    dest = _check_address(destination)
    return _quote(actor, dest, buyer_lines(actor))[0]


def quote_lines(actor: Actor, destination: dict, lines: list[CartLine]) -> tuple[CheckoutQuote, list[str]]:
    """`quote_checkout` of the buyer's cart lines as the caller has just read or written them
    (`cart.set_quantities_lines`, as `buyer_lines` answers them), without reading them again,
    inside the caller's transaction (no savepoint of its own: every refusal comes before the write).
    Also answers each consignment's JSON text (`encoded.dumps`), for the orders' snapshots."""
    if not connection.in_atomic_block:
        raise RuntimeError("quote_lines runs inside the caller's transaction")
    return _quote(actor, _check_address(destination), lines, once=True)


def _quote(actor: Actor, dest: dict, lines: list[CartLine], *, once: bool = False) -> tuple[CheckoutQuote, list[str]]:
    """The quote, written; `once`: inside the caller's savepoint, each consignment encoded once
    (the texts answered, the quote's payload joined from them), else the texts are not made."""
    if not lines:
        raise ValidationFailed.field("cart", "the cart is empty")
    currency = country_table()[dest["country"]]["currency"]
    today = timezone.localdate()
    by_seller: dict[int, list] = defaultdict(list)
    for ln in lines:
        by_seller[ln.variant.seller_id].append(ln)
    profiles, schemes = checkout_memo.sellers(list(by_seller), _profiles, _schemes)
    used = _cbec_used(actor.user_id, today.year) if dest["country"] == "CN" else Decimal(0)
    consignments, texts = [], []
    net = checkout_memo.network(today, network_on)  # the day's network, for every consignment
    medians = checkout_memo.medians(today, corridor_medians)  # and its measured transit days
    china, subdivision, language = dest["country"] == "CN", dest.get("subdivision") or "", get_language()
    for seller_id, seller_lines in by_seller.items():
        profile = profiles[seller_id]
        # what the consignment is computed from besides the block's fixed rows (seller, variants,
        # network): the buyer's id is only the engine's label of the request, not in its answer
        key = (seller_id, tuple((ln.variant_id, ln.quantity) for ln in seller_lines), dest["country"], subdivision,
               today, used if china else None, language)
        c, text = checkout_memo.consignment(key, partial(
            _consignment, profile, schemes[profile.pk], seller_lines, dest, currency, actor.user_id, today, used,
            net, medians), encoded.dumps if once else None)
        if china:
            used += Decimal(c["engine"]["values"]["threshold"])  # later consignments see earlier ones
        consignments.append(c)
        if text is not None:  # made when `once`
            texts.append(text)
    total = sum((Money(c["total"], currency) for c in consignments), Money.zero(currency))
    with nullcontext() if once else transaction.atomic():
        q = CheckoutQuote(buyer_id=actor.user_id, cart_fingerprint=fingerprint(lines), currency=currency,
                          destination=dest, payload={"consignments": consignments}, total=total.amount,
                          expires_at=timezone.now() + LOCK)
        if once:
            encoded.insert_encoded([q], {"payload": [encoded.joined("consignments", texts)]})
        else:
            insert([q])
        audit.record(actor, "market.quote_checkout", q, after={"total": str(total.amount), "currency": currency,
                                                                "sellers": len(consignments)})
    return q, texts
