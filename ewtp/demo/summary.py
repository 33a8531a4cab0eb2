"""The demo day's summary, from the database's own records (not the simulator's counters): orders
and GMV by corridor, duty and tax per jurisdiction and who collected it, customs lanes and time to
release, delivery times per corridor, escrow and payouts per currency, tax returns built for the
period, and the ledger and audit proofs."""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from ewtp.core.actor import SYSTEM
from ewtp.customs import declarations, risk
from ewtp.customs import returns as tax_returns
from ewtp.customs.models import Declaration
from ewtp.dashboard import figures as figs
from ewtp.logistics.models import Shipment


def _median_days(pairs) -> float | None:
    days = [(end - start).total_seconds() / 86400 for start, end in pairs if start and end]
    return round(statistics.median(days), 1) if days else None


def _corridors(gmv: dict) -> dict:
    out: dict[str, dict] = defaultdict(lambda: {"orders": 0, "gmv_usd": Decimal(0)})
    for r in gmv["rows"]:
        out[r["corridor"]]["orders"] += r["orders"]
        out[r["corridor"]]["gmv_usd"] += Decimal(r["usd"] or 0)
    top = sorted(out.items(), key=lambda kv: -kv[1]["orders"])[:12]
    return {k: {"orders": v["orders"], "gmv_usd": str(v["gmv_usd"])} for k, v in top}


def _delivery(f: figs.Filters) -> dict:
    # the dashboard's period (its histogram has no median, which the summary prints)
    rows = (Shipment.objects.filter(direction=Shipment.FORWARD, delivered_at__gte=f.since, delivered_at__lt=f.until)
            .values_list("origin_country", "destination_country", "created_at", "delivered_at"))
    by: dict[str, list] = defaultdict(list)
    for o, d, start, end in rows:
        by[f"{o}-{d}"].append((start, end))
    top = sorted(by.items(), key=lambda kv: -len(kv[1]))[:12]
    return {k: {"parcels": len(v), "median_days": _median_days(v)} for k, v in top}


def _returns(period: str) -> list[dict]:
    """The consolidated tax returns of the period (draft): what the hub owes each authority."""
    built, _ = tax_returns.build(SYSTEM, period)
    return [{"jurisdiction": r.jurisdiction, "scheme": r.scheme, "period": r.period, "currency": r.currency,
             "lines": r.lines.count(), "duty": str(r.duty_total), "tax": str(r.tax_total), "status": r.status}
            for r in built]


def summary(report: dict) -> dict:
    from ewtp.core.audit import verify as audit_verify
    from ewtp.payments.verify import verify as ledger_verify

    f = figs.default_filters()
    fig = figs.figures(f)
    released = Declaration.objects.filter(status=declarations.RELEASED)
    ledger = ledger_verify()
    return {
        "day": report,
        "corridors": _corridors(fig["gmv"]),
        "gmv_usd": fig["gmv"].get("total_usd"),
        "duty_and_tax": fig["duty_tax"]["jurisdictions"],
        "customs": {"lanes": fig["customs"]["lanes"],
                    "median_hours_to_release": _hours(released.values_list("created_at", "released_at")),
                    # green is released on arrival; yellow and red wait for an officer
                    "median_hours_to_release_by_lane": {
                        lane: _hours(released.filter(lane=lane).values_list("created_at", "released_at"))
                        for lane in (risk.GREEN, risk.YELLOW, risk.RED)},
                    "rejected": Declaration.objects.filter(status=declarations.REJECTED).count()},
        "delivery_by_corridor": _delivery(f),
        "escrow_and_payouts": fig["money"],
        "tax_returns": _returns(timezone.localdate().strftime("%Y-%m")),
        "ledger": {"verified": ledger.ok, "transactions": ledger.transactions, "postings": ledger.postings},
        "audit_verified": audit_verify().ok,
    }


def _hours(pairs) -> float | None:
    days = _median_days(pairs)
    return None if days is None else round(days * 24, 1)
