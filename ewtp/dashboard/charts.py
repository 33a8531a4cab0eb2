"""From the figures (plain data, also served as JSON) to charts with translated titles, an SVG
picture and a table fallback each."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ewtp.dashboard import svg
from ewtp.dashboard.svg import Series

LANE_COLOURS = {"green": "#3d9970", "yellow": "#e9c46a", "red": "#c44536", "unrouted": "#adb5bd"}


@dataclass
class Chart:
    key: str
    title: str
    desc: str
    picture: SafeString | str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    empty: str = ""  # why there is nothing to draw yet


def _f(value: str | None) -> float:
    return float(Decimal(value)) if value else 0.0


def gmv_chart(g: dict) -> Chart:
    c = Chart("gmv", _("GMV by corridor over time"),
              _("Gross merchandise value of paid orders per day, in US dollars, for the busiest corridors "
                "(origin → destination)."))
    if not g["rows"]:
        c.empty = _("No paid orders in this period.")
        return c
    days = sorted({r["day"] for r in g["rows"]})
    names = g["top_corridors"] + [_("other")]
    at = {d: i for i, d in enumerate(days)}
    values = {n: [0.0] * len(days) for n in names}
    for r in g["rows"]:
        name = r["corridor"] if r["corridor"] in g["top_corridors"] else names[-1]
        values[name][at[r["day"]]] += _f(r["usd"])
    series = [Series(n.replace("-", "→"), values[n]) for n in names if any(values[n])]
    c.picture = svg.columns(c.title, c.desc, [d[5:] for d in days], series, "USD")
    # the table shows what the chart shows (bounded: days × series); every row is in the JSON API
    c.headers = [_("Day"), *[sr.name for sr in series], _("Total (USD)")]
    c.rows = [[day, *[f"{sr.values[i]:.2f}" for sr in series], f"{sum(sr.values[i] for sr in series):.2f}"]
              for i, day in enumerate(days)]
    return c


def duty_tax_chart(d: dict) -> Chart:
    c = Chart("duty-tax", _("Duty and tax per jurisdiction"),
              _("Duty and tax the ledger moved to each jurisdiction's payable accounts, in US dollars; the table "
                "also shows what paid orders' frozen quotes will collect."))
    juris = d["jurisdictions"]
    if not juris:
        c.empty = _("No duty or tax in this period.")
        return c
    names = list(juris)
    c.picture = svg.bars(c.title, c.desc, names, [
        Series(_("duty collected"), [_f(juris[j]["collected"]["duty_usd"]) for j in names]),
        Series(_("tax collected"), [_f(juris[j]["collected"]["tax_usd"]) for j in names]),
    ], "USD")
    c.headers = [_("Jurisdiction"), _("Duty collected (USD)"), _("Tax collected (USD)"),
                 _("Duty quoted (USD)"), _("Tax quoted (USD)")]
    c.rows = [[j, v["collected"]["duty_usd"], v["collected"]["tax_usd"], v["quoted"]["duty_usd"],
               v["quoted"]["tax_usd"]] for j, v in juris.items()]
    return c


def lanes_chart(cu: dict) -> list[Chart]:
    labels = {"green": _("green"), "yellow": _("yellow"), "red": _("red"), "unrouted": _("not routed yet")}
    lanes = Chart("lanes", _("Customs lane shares"), _("Declarations per risk lane: green, yellow and red."))
    total = sum(cu["lanes"].values())
    if not total:
        lanes.empty = _("No customs declarations in this period.")
    else:
        keys = [k for k in ("green", "yellow", "red", "unrouted") if cu["lanes"].get(k)]
        lanes.picture = svg.bars(lanes.title, lanes.desc, [_("declarations")],
                                 [Series(labels[k], [cu["lanes"][k]], LANE_COLOURS[k]) for k in keys])
        lanes.headers = [_("Lane"), _("Declarations"), _("Share")]
        lanes.rows = [[labels[k], str(cu["lanes"][k]), f"{100 * cu['lanes'][k] / total:.1f}%"] for k in keys]
    release = Chart("release", _("Time to release"), _("Released declarations by time from lodging to release."))
    hist = cu["release_time"]
    if not sum(hist.values()):
        release.empty = _("No released declarations in this period.")
    else:
        release.picture = svg.columns(release.title, release.desc, list(hist),
                                      [Series(_("declarations"), [float(v) for v in hist.values()])])
        release.headers = [_("Time to release"), _("Declarations")]
        release.rows = [[k, str(v)] for k, v in hist.items()]
    return [lanes, release]


def delivery_chart(dl: dict) -> Chart:
    c = Chart("delivery", _("Delivery times per corridor"),
              _("Delivered shipments per corridor by time from shipment creation to delivery."))
    if not dl["corridors"]:
        c.empty = _("No delivered shipments in this period yet.")
        return c
    names = list(dl["corridors"])
    c.picture = svg.bars(c.title, c.desc, [n.replace("-", "→") for n in names],
                         [Series(b, [float(dl["corridors"][n][b]) for n in names]) for b in dl["buckets"]])
    c.headers = [_("Corridor"), *dl["buckets"]]
    c.rows = [[n.replace("-", "→"), *[str(dl["corridors"][n][b]) for b in dl["buckets"]]] for n in names]
    return c


def money_charts(m: dict) -> list[Chart]:
    esc = Chart("escrow", _("Escrow by currency"),
                _("Money paid into escrow per buyer currency: released, refunded and still held (in US dollars)."))
    if not m["escrow"]:
        esc.empty = _("No escrow in this period.")
    else:
        cur = list(m["escrow"])
        esc.picture = svg.bars(esc.title, esc.desc, cur, [
            Series(_("released"), [_f(m["escrow"][c]["released_usd"]) for c in cur], "#3d9970"),
            Series(_("refunded"), [_f(m["escrow"][c]["refunded_usd"]) for c in cur], "#e07a5f"),
            Series(_("held"), [_f(m["escrow"][c]["still_held_usd"]) for c in cur], "#2a6f97")], "USD")
        esc.headers = [_("Currency"), _("Escrows"), _("Paid in"), _("Released"), _("Refunded"), _("Held")]
        esc.rows = [[c, str(v["escrows"]), v["held"], v["released"], v["refunded"], v["still_held"]]
                    for c, v in m["escrow"].items()]
    pay = Chart("payouts", _("Payouts by currency"), _("Payouts to sellers per currency and state (in US dollars)."))
    if not m["payouts"]:
        pay.empty = _("No payouts in this period.")
    else:
        cur = list(m["payouts"])
        states = {"paid": _("paid"), "pending": _("pending"), "failed": _("failed")}
        colours = {"paid": "#3d9970", "pending": "#2a6f97", "failed": "#c44536"}
        pay.picture = svg.bars(pay.title, pay.desc, cur, [
            Series(label, [_f(m["payouts"][c].get(s, {}).get("usd")) for c in cur], colours[s])
            for s, label in states.items()], "USD")
        pay.headers = [_("Currency"), _("State"), _("Payouts"), _("Amount")]
        pay.rows = [[c, states.get(s, s), str(v["payouts"]), v["amount"]]
                    for c, per in m["payouts"].items() for s, v in per.items()]
    return [esc, pay]


def chapters_chart(hs: list[dict]) -> Chart:
    c = Chart("hs", _("Top HS chapters"), _("Units sold in paid orders per HS chapter (first two digits)."))
    if not hs:
        c.empty = _("No paid orders in this period.")
        return c
    c.picture = svg.bars(c.title, c.desc, [_("chapter %(ch)s") % {"ch": r["chapter"]} for r in hs],
                         [Series(_("units"), [float(r["units"]) for r in hs])])
    c.headers = [_("HS chapter"), _("Units"), _("Order lines")]
    c.rows = [[r["chapter"], str(r["units"]), str(r["lines"])] for r in hs]
    return c


def charts(fig: dict) -> list[Chart]:
    return [gmv_chart(fig["gmv"]), duty_tax_chart(fig["duty_tax"]), *lanes_chart(fig["customs"]),
            delivery_chart(fig["delivery"]), *money_charts(fig["money"]), chapters_chart(fig["hs_chapters"])]
