"""Periodic consolidated tax returns of what the hub collected as withholding agent.

A return covers one jurisdiction, one scheme and one period, with one line per released
declaration whose duty and tax the hub put on the payable accounts at release (the declaration's
`remittance_tx`); a declaration is in at most one return. Schemes (RULES-FACTS.md):

- EU-IOSS: monthly, per EU member state of arrival, declared in EUR; amounts in another currency
  are converted at the ECB reference rate of the last day of the period (RULES-FACTS "EU FX") or,
  when the ECB published none that day, of the **next** day of publication — the wording of
  Directive 2006/112/EC for every special scheme's return (art. 366(2); the import scheme's
  section, arts 369l-369x, repeats it). While that publication is not in the hub's copy of the
  ECB table, the draft uses the last rate before it, marked provisional, and cannot be filed;
- MY-LVG: quarterly, Malaysia, sales tax on low-value goods (10 %), in MYR;
- CN-CBEC: monthly tax-bill summary for China's CBEC retail imports (mode 9610), in CNY — the month
  is the hub's choice of period (the single window issues a tax bill per inventory list).

Life: draft (rebuildable) -> filed (only once the period is over) -> paid, which settles the
payable accounts in the ledger (payable -> the provider's clearing account: money out to the
authority). Any other move is 409.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import require_access, require_role
from ewtp.customs.declarations import RELEASED
from ewtp.customs.models import Declaration, TaxReturn, TaxReturnLine
from ewtp.payments import remittance
from ewtp.rules.fx import Rate, ecb_rate

PERIOD = re.compile(r"(?P<year>20\d\d)-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))")


@dataclass(frozen=True)
class Scheme:
    code: str
    regimes: frozenset[str]
    months: int  # 1 = monthly, 3 = quarterly
    currency: str  # the currency the return is declared in
    jurisdictions: frozenset[str]


@cache
def schemes() -> dict[str, Scheme]:
    from ewtp.rules.packs import packs

    eu = frozenset(packs()["EU"].members)
    return {
        "EU-IOSS": Scheme("EU-IOSS", frozenset({"EU-IOSS"}), 1, "EUR", eu),
        "MY-LVG": Scheme("MY-LVG", frozenset({"MY-LVG"}), 3, "MYR", frozenset({"MY"})),
        "CN-CBEC": Scheme("CN-CBEC", frozenset({"9610"}), 1, "CNY", frozenset({"CN"})),
    }


def parse_period(period: str) -> tuple[date, date, int]:
    """"2026-11" -> (1 Nov, 30 Nov, 1); "2026-Q4" -> (1 Oct, 31 Dec, 3)."""
    m = PERIOD.fullmatch(period or "")
    if m is None:
        raise ValidationFailed.field("period", "a month (2026-11) or a quarter (2026-Q4)")
    year = int(m["year"])
    first = int(m["month"]) if m["month"] else (int(m["quarter"]) - 1) * 3 + 1
    months = 1 if m["month"] else 3
    last = first + months - 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]), months


def periods_for(period: str, scheme: Scheme) -> str | None:
    """The period label a scheme files for, given the asked period: a month also builds the
    quarterly returns of its quarter (as a draft, until the quarter is over)."""
    start, _, months = parse_period(period)
    if scheme.months == months:
        return period
    if scheme.months == 3 and months == 1:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return None


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def period_rate(currency: str, to: str, last_day: date) -> tuple[Rate, bool]:
    """-> (rate, provisional): the ECB rate of the period's last day or of the next day the ECB
    published (weekends, holidays); provisional when the hub's copy has no such day yet."""
    for k in range(8):  # the ECB never pauses a week
        day = last_day + timedelta(days=k)
        r = ecb_rate(currency, to, day)
        if r.on == day:
            return r, False
    return ecb_rate(currency, to, last_day), True


def _convert(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    return Money(amount * rate, currency).rounded().amount


def _rate_key(c: dict) -> tuple[str, str]:
    return c["kind"], c["rate"] if c.get("rate") is not None else "flat"


def _line(ret: TaxReturn, decl: Declaration, rate: Decimal) -> TaxReturnLine:
    by_rate: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: {"base": Decimal(0), "amount": Decimal(0)})
    for c in decl.charges or []:
        slot = by_rate[_rate_key(c)]
        slot["base"] += _convert(Decimal(c["base"]), rate, ret.currency)
        slot["amount"] += _convert(Decimal(c["amount"]), rate, ret.currency)
    rows = [{"kind": k, "rate": r, "base": str(v["base"]), "amount": str(v["amount"])}
            for (k, r), v in sorted(by_rate.items())]
    return TaxReturnLine(
        tax_return=ret, declaration=decl, number=decl.number, order_no=decl.parcel.order_no,
        released_at=decl.released_at, currency=decl.currency, customs_value=decl.customs_value, duty=decl.duty,
        tax=decl.tax_total, by_rate=rows,
        duty_converted=sum((Decimal(r["amount"]) for r in rows if r["kind"] == "duty"), Decimal(0)),
        tax_converted=sum((Decimal(r["amount"]) for r in rows if r["kind"] == "tax"), Decimal(0)))


def _fill(ret: TaxReturn, decls: list[Declaration]) -> None:
    """(Re)compute the lines and totals of a draft from its declarations."""
    TaxReturnLine.objects.filter(tax_return=ret).delete()
    fx, rates = {}, {}
    for cur in sorted({d.currency for d in decls}):
        r, provisional = period_rate(cur, ret.currency, ret.period_end)
        fx[cur], rates[cur] = {**r.as_dict(), "provisional": provisional}, r.rate
    lines = TaxReturnLine.objects.bulk_create([_line(ret, d, rates[d.currency]) for d in decls])
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: {"base": Decimal(0), "amount": Decimal(0)})
    payable: dict[str, dict[str, int]] = defaultdict(lambda: {"duty": 0, "tax": 0})
    for li in lines:
        for row in li.by_rate:
            t = totals[(row["kind"], row["rate"])]
            t["base"] += Decimal(row["base"])
            t["amount"] += Decimal(row["amount"])
        payable[li.currency]["duty"] += Money(li.duty, li.currency).to_minor()
        payable[li.currency]["tax"] += Money(li.tax, li.currency).to_minor()
    ret.fx = fx
    ret.totals = [{"kind": k, "rate": r, "base": str(v["base"]), "amount": str(v["amount"])}
                  for (k, r), v in sorted(totals.items())]
    ret.duty_total = sum((li.duty_converted for li in lines), Decimal(0))
    ret.tax_total = sum((li.tax_converted for li in lines), Decimal(0))
    ret.payable = dict(payable)
    ret.save()


def build(actor: Actor, period: str, jurisdiction: str | None = None) -> tuple[list[TaxReturn], list[TaxReturn]]:
    """Build (or rebuild, while draft) the returns of a period -> (built, left as they are because
    already filed or paid). Only declarations not in another return are taken."""
    require_role(actor, [Role.HUB_OPERATOR])
    parse_period(period)
    built, kept = [], []
    with transaction.atomic():
        for scheme in schemes().values():
            label = periods_for(period, scheme)
            if label is None:
                continue
            start, end, _ = parse_period(label)
            wanted = scheme.jurisdictions & ({jurisdiction} if jurisdiction else scheme.jurisdictions)
            eligible = Declaration.objects.filter(
                status=RELEASED, regime__in=scheme.regimes, jurisdiction__in=wanted, remittance_tx__isnull=False,
                released_at__gte=_day_start(start), released_at__lt=_day_start(end + timedelta(days=1)))
            existing = {r.jurisdiction: r for r in TaxReturn.objects.select_for_update()
                        .filter(scheme=scheme.code, period=label, jurisdiction__in=wanted)}
            for jur in sorted(set(eligible.values_list("jurisdiction", flat=True)) | set(existing)):
                ret = existing.get(jur) or TaxReturn(jurisdiction=jur, scheme=scheme.code, period=label,
                                                     period_start=start, period_end=end, currency=scheme.currency)
                if ret.status != TaxReturn.DRAFT:
                    kept.append(ret)
                    continue
                if ret.pk is None:
                    ret.save()
                decls = list(eligible.filter(jurisdiction=jur)
                             .filter(Q(return_line__isnull=True) | Q(return_line__tax_return=ret))
                             .select_related("parcel").order_by("released_at", "pk"))
                _fill(ret, decls)
                audit.record(actor, "customs.return.built", ret,
                             after={"lines": len(decls), "duty": str(ret.duty_total), "tax": str(ret.tax_total)})
                built.append(ret)
    return built, kept


def visible_returns(actor: Actor):
    """Operators see every return; customs officers their jurisdiction's; others 403."""
    require_role(actor, [Role.CUSTOMS_OFFICER])
    qs = TaxReturn.objects.order_by("-period_end", "jurisdiction", "scheme")
    return qs if actor.is_operator else qs.filter(jurisdiction=actor.jurisdiction)


def get_return(actor: Actor, return_id: int) -> TaxReturn:
    require_role(actor, [Role.CUSTOMS_OFFICER])
    ret = TaxReturn.objects.filter(pk=return_id).first()
    if ret is None:
        raise NotFound("Tax return not found")
    require_access(actor, ret)  # officers of other jurisdictions: 404
    return ret


def _locked(actor: Actor, return_id: int, status: str, action: str) -> TaxReturn:
    require_role(actor, [Role.HUB_OPERATOR])
    ret = TaxReturn.objects.select_for_update().filter(pk=return_id).first()
    if ret is None:
        raise NotFound("Tax return not found")
    if ret.status != status:
        raise Conflict(f"a {ret.status} return cannot be {action}", code="invalid_transition")
    return ret


def file_return(actor: Actor, return_id: int, *, today: date | None = None) -> TaxReturn:
    today = today or timezone.localdate()
    with transaction.atomic():
        ret = _locked(actor, return_id, TaxReturn.DRAFT, "filed")
        if today <= ret.period_end:
            raise Conflict(f"the period {ret.period} ends on {ret.period_end.isoformat()}: file it afterwards",
                           code="period_open")
        waiting = sorted(c for c, r in ret.fx.items() if r.get("provisional"))
        if waiting:
            raise Conflict(f"the ECB rate for {', '.join(waiting)} of {ret.period_end.isoformat()} (or the next "
                           "publication) is not in the hub's rate table yet: update it and rebuild the return",
                           code="provisional_rate")
        ret.status, ret.filed_at = TaxReturn.FILED, timezone.now()
        ret.save(update_fields=["status", "filed_at"])
        audit.record(actor, "customs.return.filed", ret, before={"status": TaxReturn.DRAFT},
                     after={"status": ret.status, "duty": str(ret.duty_total), "tax": str(ret.tax_total)})
    return ret


def pay_return(actor: Actor, return_id: int, provider: str = "sandbox") -> TaxReturn:
    """Paid: the return's amounts leave the payable accounts (one balanced ledger transaction)."""
    with transaction.atomic():
        ret = _locked(actor, return_id, TaxReturn.FILED, "paid")
        if any(v["duty"] or v["tax"] for v in ret.payable.values()):
            ret.settlement_tx = remittance.settle_return(actor, f"return-{ret.pk}", ret.jurisdiction, ret.payable,
                                                         provider)
        ret.status, ret.paid_at = TaxReturn.PAID, timezone.now()
        ret.save(update_fields=["status", "paid_at", "settlement_tx"])
        audit.record(actor, "customs.return.paid", ret, before={"status": TaxReturn.FILED},
                     after={"status": ret.status, "tx": ret.settlement_tx, "payable": ret.payable})
    return ret
