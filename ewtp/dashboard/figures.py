"""The hub operator's figures, aggregated in the database (GROUP BY), never row by row in Python.

Every figure is taken at its own event time within [start, end] (orders when placed, ledger
postings when posted, declarations when lodged, shipments when delivered, escrows when opened,
payouts when created). The hub filter keeps the records of orders whose forward shipment left
from that logistics hub; `NO_HUB` keeps orders without a shipment. Payouts are per seller and
currency, not per order, so the hub filter does not apply to them.

Money is summed per currency in the database; only the few aggregated rows are converted to a
common currency (US dollars at the ECB reference rate of the day) so charts can compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from ewtp.core.currencies import get_currency
from ewtp.core.errors import AppError
from ewtp.customs.declarations import RELEASED
from ewtp.customs.models import Declaration
from ewtp.logistics.models import Hub, Shipment
from ewtp.market.models import Order, OrderLine
from ewtp.payments.models import Escrow, Kind, LedgerTransaction, Payout, Posting
from ewtp.rules import fx

NO_HUB = "none"
COMMON = "USD"
# orders that brought money in: paid and not given back
EXCLUDED_FROM_GMV = (Order.PLACED, Order.CANCELLED, Order.REFUNDED)
TOP_CORRIDORS = 6
TOP_CHAPTERS = 10
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# histogram buckets: (label, upper bound exclusive); the last is open-ended
RELEASE_BUCKETS = [("<1h", HOUR), ("1-6h", 6 * HOUR), ("6-24h", DAY), ("1-3d", 3 * DAY), (">3d", None)]
DELIVERY_BUCKETS = [("<3d", 3 * DAY), ("3-5d", 5 * DAY), ("5-8d", 8 * DAY), ("8-12d", 12 * DAY), (">12d", None)]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    hub: str = ""  # "" all, NO_HUB, or a hub code

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:  # exclusive
        return timezone.make_aware(datetime.combine(self.end + DAY, time.min))


def default_filters() -> Filters:
    """The 30 days up to today, and on to the latest delivery when carriers report ahead of the
    hub's clock (the demo's simulated days run ahead of the real one)."""
    today = timezone.localdate()
    latest = Shipment.objects.aggregate(m=Max("delivered_at"))["m"]
    end = max(today, timezone.localtime(latest).date()) if latest else today
    return Filters(today - timedelta(days=29), end)


def hubs() -> list[tuple[str, str]]:
    return list(Hub.objects.order_by("code").values_list("code", "name"))


def _in_range(qs: QuerySet, field: str, f: Filters) -> QuerySet:
    return qs.filter(**{f"{field}__gte": f.since, f"{field}__lt": f.until})


def _hub_refs(f: Filters) -> QuerySet | None:
    """Order references of the chosen hub (a subquery, evaluated by the database), or None for all."""
    if not f.hub:
        return None
    forward = Shipment.objects.filter(direction=Shipment.FORWARD)
    if f.hub == NO_HUB:
        return Order.objects.exclude(reference__in=forward.values("order_ref")).values("reference")
    return forward.filter(origin_hub__code=f.hub).values("order_ref")


def _by_hub(qs: QuerySet, field: str, f: Filters) -> QuerySet:
    refs = _hub_refs(f)
    return qs if refs is None else qs.filter(**{f"{field}__in": refs})


def _usd(amount: Decimal, currency: str, on: date) -> Decimal | None:
    try:
        rate = fx.ecb_rate(currency, COMMON, on).rate
    except (AppError, KeyError, ValueError):
        return None  # no reference rate: shown in its own currency only
    return (amount * rate).quantize(Decimal("0.01"))


def _minor_to_major(minor: int, currency: str) -> Decimal:
    from ewtp.core.money import Money

    return Money.from_minor(minor, currency).amount


def _orders(f: Filters) -> QuerySet:
    return _by_hub(_in_range(Order.objects.all(), "created_at", f), "reference", f)


class _JsonCountry(Func):
    """`country` of a JSON address as text, parsing the JSON once per row (KeyTextTransform
    parses it twice on SQLite)."""

    function = "JSON_EXTRACT"
    template = "%(function)s(%(expressions)s, '$.country')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s ->> 'country')", **extra)


def _day(field: str) -> Substr:
    """The UTC day of a timestamp as YYYY-MM-DD, computed by the database itself (TruncDate is a
    Python function per row on SQLite; the hub keeps time in UTC, so the text's date is the day)."""
    return Substr(Cast(field, output_field=CharField()), 1, 10)


def _order_rows(f: Filters) -> list[dict]:
    """One scan of the period's paid orders, grouped by day, corridor and currency; GMV and the
    frozen duty and tax quotes both come from it."""
    return list(_orders(f).exclude(state__in=EXCLUDED_FROM_GMV)
                .annotate(day=_day("created_at"), origin=F("seller__country"),
                          destination=_JsonCountry("group__destination"))
                .values("day", "origin", "destination", "currency")
                .annotate(orders=Count("id"), total=Sum("total"), duty=Sum("duty"), tax=Sum("tax"))
                .order_by("day", "origin", "destination", "currency"))


def gmv_by_corridor(f: Filters, rows: list[dict] | None = None) -> dict:
    rows = _order_rows(f) if rows is None else rows
    per: dict[str, Decimal] = {}
    series: list[dict] = []
    for r in rows:
        corridor = f"{r['origin']}-{r['destination']}"
        usd = _usd(r["total"], r["currency"], date.fromisoformat(r["day"]))
        series.append({"day": r["day"], "corridor": corridor, "currency": r["currency"],
                       "orders": r["orders"], "total": str(r["total"]), "usd": str(usd) if usd is not None else None})
        per[corridor] = per.get(corridor, Decimal(0)) + (usd or 0)
    top = [c for c, _ in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CORRIDORS]]
    return {"common_currency": COMMON, "top_corridors": top, "rows": series,
            "total_usd": str(sum(per.values(), Decimal(0)))}


def _tx_range(f: Filters) -> tuple[int, int] | None:
    """Ledger transaction ids are allocated in time order (see LedgerTransaction), so a period is
    an id range: postings are then read through their (account, tx) index."""
    r = _in_range(LedgerTransaction.objects.all(), "created_at", f).aggregate(lo=Min("id"), hi=Max("id"))
    return None if r["lo"] is None else (r["lo"], r["hi"])


def duty_and_tax(f: Filters, rows: list[dict] | None = None) -> dict:
    """Collected: what the ledger moved to the authorities' payable accounts. Quoted: the frozen
    figures of paid orders (collected once their escrow is released)."""
    span = _tx_range(f)
    collected: list[dict] = []
    if span is not None:
        postings = _by_hub(Posting.objects.filter(account__kind__in=[Kind.DUTY_PAYABLE, Kind.TAX_PAYABLE],
                                                  tx_id__gte=span[0], tx_id__lte=span[1]), "tx__reference", f)
        collected = list(postings.values("account__owner_id", "account__kind", "currency")
                         .annotate(minor=Sum("amount_minor")).order_by("account__owner_id", "account__kind", "currency"))
    on = f.end
    out: dict[str, dict] = {}
    for r in collected:
        j = out.setdefault(r["account__owner_id"], _jurisdiction_row())
        kind = "duty" if r["account__kind"] == Kind.DUTY_PAYABLE else "tax"
        _add(j["collected"], kind, r["currency"], _minor_to_major(r["minor"], r["currency"]), on)
    for r in _order_rows(f) if rows is None else rows:
        j = out.setdefault(r["destination"] or "-", _jurisdiction_row())
        _add(j["quoted"], "duty", r["currency"], r["duty"], on)
        _add(j["quoted"], "tax", r["currency"], r["tax"], on)
    return {"common_currency": COMMON, "jurisdictions": dict(sorted(out.items()))}


def _jurisdiction_row() -> dict:
    return {k: {"duty_usd": "0", "tax_usd": "0", "by_currency": {}} for k in ("collected", "quoted")}


def _add(target: dict, kind: str, currency: str, amount: Decimal, on: date) -> None:
    # in the currency's minor unit: a database SUM of decimals may carry a dozen trailing zeros
    unit = Decimal(1).scaleb(-get_currency(currency).minor_unit)
    cur = target["by_currency"].setdefault(currency, dict.fromkeys(("duty", "tax"), str(Decimal(0).quantize(unit))))
    cur[kind] = str((Decimal(cur[kind]) + amount).quantize(unit))
    usd = _usd(amount, currency, on) or Decimal(0)
    target[f"{kind}_usd"] = str(Decimal(target[f"{kind}_usd"]) + usd)


def _buckets(duration, buckets: list[tuple[str, timedelta | None]]) -> Case:
    whens = [When(**{f"{duration}__lt": upper}, then=Value(i)) for i, (_, upper) in enumerate(buckets) if upper]
    return Case(*whens, default=Value(len(buckets) - 1), output_field=IntegerField())


def customs_lanes(f: Filters) -> dict:
    decls = _by_hub(_in_range(Declaration.objects.all(), "created_at", f), "parcel__order_no", f)
    lanes = {r["lane"] or "unrouted": r["n"] for r in decls.values("lane").annotate(n=Count("id")).order_by("lane")}
    timed = (decls.filter(status=RELEASED).exclude(released_at=None)
             .annotate(took=ExpressionWrapper(F("released_at") - F("created_at"), output_field=DurationField()))
             .annotate(bucket=_buckets("took", RELEASE_BUCKETS)))
    hist = {r["bucket"]: r["n"] for r in timed.values("bucket").annotate(n=Count("id")).order_by("bucket")}
    return {"lanes": lanes, "release_time": {label: hist.get(i, 0) for i, (label, _) in enumerate(RELEASE_BUCKETS)}}


def delivery_times(f: Filters) -> dict:
    ships = _by_hub(_in_range(Shipment.objects.filter(direction=Shipment.FORWARD).exclude(delivered_at=None),
                              "delivered_at", f), "order_ref", f)
    rows = (ships.annotate(took=ExpressionWrapper(F("delivered_at") - F("created_at"), output_field=DurationField()))
            .annotate(bucket=_buckets("took", DELIVERY_BUCKETS))
            .values("origin_country", "destination_country", "bucket").annotate(n=Count("id"))
            .order_by("origin_country", "destination_country", "bucket"))
    corridors: dict[str, dict[str, int]] = {}
    for r in rows:
        hist = corridors.setdefault(f"{r['origin_country']}-{r['destination_country']}",
                                    {label: 0 for label, _ in DELIVERY_BUCKETS})
        hist[DELIVERY_BUCKETS[r["bucket"]][0]] = r["n"]
    return {"buckets": [label for label, _ in DELIVERY_BUCKETS], "corridors": corridors}


def escrow_and_payouts(f: Filters) -> dict:
    escrows = _by_hub(_in_range(Escrow.objects.all(), "created_at", f), "order_ref", f)
    held = (escrows.values("currency").annotate(held=Sum("held_minor"), released=Sum("released_minor"),
                                                refunded=Sum("refunded_minor"), n=Count("id")).order_by("currency"))
    payouts = (_in_range(Payout.objects.all(), "created_at", f).values("currency", "state")
               .annotate(minor=Sum("amount_minor"), n=Count("id")).order_by("currency", "state"))
    on = f.end
    escrow_rows = {}
    for r in held:
        c = r["currency"]
        amounts = {k: _minor_to_major(r[k], c) for k in ("held", "released", "refunded")}
        amounts["still_held"] = amounts["held"] - amounts["released"] - amounts["refunded"]
        escrow_rows[c] = {k: str(v) for k, v in amounts.items()} | {
            "escrows": r["n"], **{f"{k}_usd": str(_usd(v, c, on) or 0) for k, v in amounts.items()}}
    payout_rows: dict[str, dict] = {}
    for r in payouts:
        c = r["currency"]
        amount = _minor_to_major(r["minor"], c)
        payout_rows.setdefault(c, {})[r["state"]] = {"amount": str(amount), "payouts": r["n"],
                                                     "usd": str(_usd(amount, c, on) or 0)}
    return {"common_currency": COMMON, "escrow": escrow_rows, "payouts": payout_rows}


def top_hs_chapters(f: Filters) -> list[dict]:
    lines = _by_hub(_in_range(OrderLine.objects.exclude(order__state__in=EXCLUDED_FROM_GMV),
                              "order__created_at", f), "order__reference", f)
    rows = (lines.annotate(chapter=Substr("hs_code", 1, 2)).values("chapter")
            .annotate(units=Sum("quantity"), lines=Count("id")).order_by("-units", "chapter")[:TOP_CHAPTERS])
    return [{"chapter": r["chapter"], "units": r["units"], "lines": r["lines"]} for r in rows]


def figures(f: Filters) -> dict:
    rows = _order_rows(f)
    return {
        "filters": {"from": f.start.isoformat(), "to": f.end.isoformat(), "hub": f.hub},
        "gmv": gmv_by_corridor(f, rows),
        "duty_tax": duty_and_tax(f, rows),
        "customs": customs_lanes(f),
        "delivery": delivery_times(f),
        "money": escrow_and_payouts(f),
        "hs_chapters": top_hs_chapters(f),
    }


MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def parse_filters(start: str | None, end: str | None, hub: str | None) -> Filters:
    """Query-string filters -> Filters; bad input is a field-level 422."""
    from ewtp.core.errors import ValidationFailed

    default = default_filters() if not (start and end) else None  # its MAX(delivered_at) only when needed
    errors: dict[str, list[str]] = {}
    days = {}
    for name, raw, fallback in (("from", start, default and default.start), ("to", end, default and default.end)):
        try:
            days[name] = date.fromisoformat(raw) if raw else fallback
        except ValueError:
            errors[name] = ["a date as YYYY-MM-DD"]
            continue
        if not EARLIEST <= days[name] <= LATEST:
            errors[name] = [f"a date from {EARLIEST} to {LATEST}"]
    hub = (hub or "").strip()
    known = [c for c, _ in hubs()]  # compared in Python: any text, a NUL byte too, is a plain "no"
    if hub and hub != NO_HUB and hub not in known:
        errors["hub"] = [f"a hub code ({', '.join(known) or 'none loaded'}) or {NO_HUB!r}"]
    if not errors and days["from"] > days["to"]:
        errors["from"] = ["must not be after 'to'"]
    if not errors and (days["to"] - days["from"]).days >= MAX_DAYS:
        errors["to"] = [f"the range is at most {MAX_DAYS} days"]
    if errors:
        raise ValidationFailed("the dashboard filters are not valid", fields=errors)
    return Filters(days["from"], days["to"], hub)
