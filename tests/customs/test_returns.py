"""Consolidated tax returns: what goes in (released, collected, in the period, not in another
return), the sums, the IOSS conversion, the life draft -> filed -> paid and its ledger settlement,
who may see and do what, exports, the page and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from ewtp.core.actor import SYSTEM
from ewtp.core.errors import Conflict, ValidationFailed
from ewtp.core.money import Money
from ewtp.customs import returns
from ewtp.customs.models import Declaration, Parcel, TaxReturn, TaxReturnLine
from ewtp.payments import accounts, escrow, remittance
from ewtp.payments.verify import verify
from ewtp.rules.fx import ecb_rate

_n = iter(range(1, 10_000))


def released(jur: str, cur: str, duty: str, tax: str, when: datetime, regime: str = "EU-IOSS",
             status: str = "800", rate: str = "0.23") -> Declaration:
    """A declaration of a hub order released at `when`, its duty and tax remitted from escrow."""
    n = next(_n)
    ref = f"RT{n:06d}"
    d, t = Money(duty, cur), Money(tax, cur)
    escrow.hold("test", order_ref=ref, seller_org_id=1, amount=Money("100.00", cur) + d + t, seller_currency=cur,
                provider="sandbox", jurisdiction=jur, duty=d, tax=t)
    parcel = Parcel.objects.create(order_no=ref, jurisdiction=jur, status=Parcel.MATCHED)
    charges = [{"kind": "tax", "rate": rate, "base": "100.00", "amount": tax, "rule": {"id": "T", "version": "1"}}]
    if Decimal(duty):
        charges.append({"kind": "duty", "rate": None, "base": "100.00", "amount": duty,
                        "rule": {"id": "D", "version": "1"}})
    decl = Declaration.objects.create(
        parcel=parcel, number=f"{jur}{n:012d}", jurisdiction=jur, regime=regime, status=status, currency=cur,
        declarant="eWTP hub (EWTPHUB)", withholding_agent="eWTP hub (EWTPHUB)", buyer_id_number=f"u{n}",
        goods_value=Decimal(100), freight=Decimal(0), customs_value=Decimal(100), duty=Decimal(duty),
        tax_total=Decimal(tax), charges=charges, released_at=when if status == "800" else None)
    if status == "800":
        decl.remittance_tx = remittance.remit_at_clearance("test", ref, d, t)
        decl.save()
    return decl


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=UTC)


def test_periods():
    assert returns.parse_period("2026-11") == (date(2026, 11, 1), date(2026, 11, 30), 1)
    assert returns.parse_period("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31), 3)
    for bad in ("2026-13", "2026-Q5", "26-11", "", "2026-11-01"):
        with pytest.raises(ValidationFailed):
            returns.parse_period(bad)


def test_ioss_return_sums_its_declarations_at_the_next_ecb_publication(db):
    a = released("PL", "PLN", "12.00", "23.00", at(2026, 1, 10))
    b = released("PL", "PLN", "0.00", "11.50", at(2026, 1, 31, 23))
    released("PL", "PLN", "1.00", "9.99", at(2026, 2, 1, 0))  # next period
    released("PL", "PLN", "1.00", "9.99", at(2026, 1, 12), status="100")  # rejected: never released
    released("MY", "MYR", "0.00", "5.00", at(2026, 1, 12), regime="MY-LVG")  # another scheme
    de = released("DE", "EUR", "3.00", "4.66", at(2026, 1, 15), rate="0.19")
    built, kept = returns.build(SYSTEM, "2026-01")
    by = {(r.scheme, r.jurisdiction): r for r in built}
    assert kept == [] and set(by) == {("EU-IOSS", "PL"), ("EU-IOSS", "DE"), ("MY-LVG", "MY")}
    pl = by[("EU-IOSS", "PL")]
    assert pl.currency == "EUR" and pl.period == "2026-01" and [li.declaration_id for li in pl.lines.all()] == [a.pk, b.pk]
    # 31 Jan 2026 is a Saturday: the ECB's next publication, Monday 2 Feb
    rate = ecb_rate("PLN", "EUR", date(2026, 2, 2))
    assert pl.fx["PLN"]["date"] == "2026-02-02" and not pl.fx["PLN"]["provisional"]
    assert Decimal(pl.fx["PLN"]["rate"]) == rate.rate
    assert sum(li.tax for li in pl.lines.all()) == a.tax_total + b.tax_total
    assert pl.tax_total == sum(Money(t * rate.rate, "EUR").rounded().amount for t in (Decimal("23"), Decimal("11.5")))
    assert pl.payable == {"PLN": {"duty": 1200, "tax": 3450}}
    assert by[("EU-IOSS", "DE")].tax_total == de.tax_total and by[("EU-IOSS", "DE")].fx["EUR"]["rate"] == "1"
    assert {(t["kind"], t["rate"]) for t in by[("EU-IOSS", "DE")].totals} == {("duty", "flat"), ("tax", "0.19")}
    assert by[("MY-LVG", "MY")].period == "2026-Q1"


def test_life_draft_filed_paid_settles_the_payable_accounts(db):
    d1 = released("DE", "EUR", "3.00", "4.66", at(2026, 3, 2))
    [ret] = returns.build(SYSTEM, "2026-03", "DE")[0]
    assert accounts.tax_payable("DE", "EUR").total_minor == 466
    with pytest.raises(Conflict) as exc:
        returns.file_return(SYSTEM, ret.pk, today=date(2026, 3, 31))
    assert exc.value.code == "period_open"
    with pytest.raises(Conflict):
        returns.pay_return(SYSTEM, ret.pk)
    d2 = released("DE", "EUR", "0.00", "1.90", at(2026, 3, 20))
    [ret] = returns.build(SYSTEM, "2026-03", "DE")[0]  # a draft is rebuilt with the newcomer
    assert ret.lines.count() == 2 and ret.tax_total == d1.tax_total + d2.tax_total
    returns.file_return(SYSTEM, ret.pk, today=date(2026, 4, 1))
    with pytest.raises(Conflict):
        returns.file_return(SYSTEM, ret.pk, today=date(2026, 4, 1))
    late = released("DE", "EUR", "0.00", "2.00", at(2026, 3, 25))
    assert returns.build(SYSTEM, "2026-03", "DE") == ([], [ret])  # filed: kept as it is
    paid = returns.pay_return(SYSTEM, ret.pk)
    assert paid.status == TaxReturn.PAID and paid.settlement_tx
    # only the late declaration's tax is still payable
    assert accounts.tax_payable("DE", "EUR").total_minor == 200 and accounts.duty_payable("DE", "EUR").total_minor == 0
    assert not TaxReturnLine.objects.filter(declaration=late).exists()
    assert verify().ok, verify().problems


def test_a_rate_not_yet_published_keeps_the_return_provisional(db):
    released("PL", "PLN", "0.00", "23.00", at(2026, 11, 3))
    [ret] = returns.build(SYSTEM, "2026-11", "PL")[0]
    assert ret.fx["PLN"]["provisional"]
    with pytest.raises(Conflict) as exc:
        returns.file_return(SYSTEM, ret.pk, today=date(2026, 12, 1))
    assert exc.value.code == "provisional_rate"


def test_quarterly_lvg_from_a_month_or_the_quarter(db):
    released("MY", "MYR", "0.00", "5.24", at(2026, 10, 3), regime="MY-LVG", rate="0.1")
    released("MY", "MYR", "0.00", "4.00", at(2026, 12, 30), regime="MY-LVG", rate="0.1")
    [q] = returns.build(SYSTEM, "2026-Q4", "MY")[0]
    assert (q.period, q.currency, q.tax_total, q.lines.count()) == ("2026-Q4", "MYR", Decimal("9.24"), 2)
    assert q.totals == [{"kind": "tax", "rate": "0.1", "base": "200.00", "amount": "9.24"}]
    assert returns.build(SYSTEM, "2026-11", "MY")[0] == [q]


@pytest.fixture
def cn_return(db):
    released("CN", "CNY", "0.00", "15.64", at(2026, 1, 5), regime="9610", rate="0.091")
    [ret] = returns.build(SYSTEM, "2026-01", "CN")[0]
    return ret


def test_who_sees_and_acts(parties, cn_return):
    r = parties.operator.post("/customs/returns/build", {"period": "2026-01", "jurisdiction": "CN"})
    assert r.status_code == 200 and [b["id"] for b in r.json()["built"]] == [cn_return.pk]
    assert [x["id"] for x in parties.officer_cn.get("/customs/returns").json()] == [cn_return.pk]
    assert parties.officer_my.get("/customs/returns").json() == []
    assert parties.officer_my.get(f"/customs/returns/{cn_return.pk}").status_code == 404
    assert parties.seller.get("/customs/returns").status_code == 403
    assert parties.officer_cn.post("/customs/returns/build", {"period": "2026-01"}).status_code == 403
    assert parties.officer_cn.post(f"/customs/returns/{cn_return.pk}/file", {}).status_code == 403
    assert parties.operator.post("/customs/returns/build", {"period": "2026-1"}).status_code == 422
    csv = parties.officer_cn.get(f"/customs/returns/{cn_return.pk}/export.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "CN000000" in csv.content.decode() and "15.64" in csv.content.decode()
    js = parties.officer_cn.get(f"/customs/returns/{cn_return.pk}/export.json").json()
    assert js["scheme"] == "CN-CBEC" and js["tax_total"] == "15.64000" and len(js["lines"]) == 1
    assert parties.operator.post(f"/customs/returns/{cn_return.pk}/pay", {}).status_code == 409
    assert parties.operator.post(f"/customs/returns/{cn_return.pk}/file", {}).json()["status"] == "filed"
    assert parties.operator.post(f"/customs/returns/{cn_return.pk}/pay", {}).json()["status"] == "paid"


def test_page_lists_returns_with_downloads(client, make_user, cn_return):
    officer = make_user("customs_officer", jurisdiction="CN")
    client.force_login(officer)
    page = client.get("/customs/returns/")
    assert page.status_code == 200
    assert f"/customs/returns/{cn_return.pk}.csv" in page.content.decode()
    assert client.get(f"/customs/returns/{cn_return.pk}.json").json()["jurisdiction"] == "CN"
    client.force_login(make_user("customs_officer", jurisdiction="MY"))
    assert client.get(f"/customs/returns/{cn_return.pk}.csv").status_code == 404
    client.force_login(make_user("seller"))
    assert client.get("/customs/returns/").status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_cli_build_file_pay(tmp_path):
    from ewtp.cli import app

    released("CN", "CNY", "0.00", "15.64", at(2026, 1, 5), regime="9610", rate="0.091")
    runner = CliRunner()
    r = runner.invoke(app, ["customs", "returns", "build", "--period", "2026-01"])
    assert r.exit_code == 0 and "CN-CBEC" in r.output, r.output
    ret = TaxReturn.objects.get()
    assert runner.invoke(app, ["customs", "returns", "pay", str(ret.pk)]).exit_code == 1  # a draft: refused
    assert runner.invoke(app, ["customs", "returns", "file", str(ret.pk)]).exit_code == 0
    r = runner.invoke(app, ["customs", "returns", "pay", str(ret.pk)])
    assert r.exit_code == 0 and "paid" in r.output
    r = runner.invoke(app, ["customs", "returns", "export", str(ret.pk), "--out", str(tmp_path / "r.json")])
    assert r.exit_code == 0 and '"status": "paid"' in (tmp_path / "r.json").read_text()
    assert verify().ok
