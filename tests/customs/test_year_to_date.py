"""A buyer's year-to-date in a batch (`store.Book.year_to_date`): the exact sum of the buyer's
declarations that count — those still waiting to be written included — without a query per parcel,
and the same answer as one by one (`declarations.buyer_year_to_date`)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ewtp.core.actor import Role
from ewtp.customs import declarations, store
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel
from ewtp.customs.services import save_risk_rule
from tests.customs.test_push_fast import _one_by_one, _push_kind_by_kind
from tests.customs.test_push_many import _kinds, parties  # noqa: F401 - fixture


def _as(docs: list, buyer: str) -> list:
    """The same parcel's documents for another buyer."""
    for _, d in docs:
        for key in ("buyerIdNumber", "payerIdNumber"):
            if key in d:
                d[key] = buyer
    return docs


def _routed(batched: list) -> list[tuple]:
    out = []
    for d in batched:
        decl = Declaration.objects.get(parcel__order_no=d[0][1]["orderNo"])
        notes = list(DeclarationEvent.objects.filter(declaration=decl).order_by("pk").values_list("action", "note"))
        out.append((decl.status, decl.lane, decl.lane_reasons, decl.customs_value, notes))
    return out


def test_a_rule_on_the_year_to_date_routes_a_batch_as_one_by_one(parties, make_user, monkeypatch):  # noqa: F811
    from ewtp.accounts.services import actor_for_user

    payer, carrier = parties
    save_risk_rule(actor_for_user(make_user(Role.HUB_OPERATOR)), kind="buyer_over_limit", lane="red",
                   params={"limit": "500"}, jurisdiction="CN")
    fast = [_as(_kinds(n), "330106199001011235") for n in (71, 72, 73)]
    _push_kind_by_kind(fast, payer, carrier)
    _one_by_one(monkeypatch)
    slow = [_as(_kinds(n), "330106199001011236") for n in (74, 75, 76)]
    _push_kind_by_kind(slow, payer, carrier)
    routed = _routed(fast)
    assert [r[1] for r in routed] == ["green", "green", "red"]  # 222 each: the third is over 500
    assert "year-to-date 666.00000 over 500" in routed[2][2][0]["why"]
    assert routed == _routed(slow)


def test_the_books_sum_is_the_databases(parties, monkeypatch):  # noqa: F811
    """With a parcel's own declaration excluded or not, and a rejected declaration not counted."""
    payer, carrier = parties
    docs = [_as(_kinds(n), "330106199001011237") for n in (77, 78, 79)]
    _push_kind_by_kind(docs, payer, carrier)
    buyer, year = "330106199001011237", timezone.now().year
    pks = [Parcel.objects.get(order_no=d[0][1]["orderNo"]).pk for d in docs]
    Declaration.objects.filter(parcel_id=pks[2]).update(status=declarations.REJECTED)
    with transaction.atomic():
        book = store.Book()
        got = [book.year_to_date(buyer, year, pk) for pk in [*pks, 0]]
    assert got == [declarations.buyer_year_to_date(buyer, year, exclude_parcel=pk) for pk in [*pks, 0]]
    assert got == [Decimal("222"), Decimal("222"), Decimal("444"), Decimal("444")]
    assert str(got[3]) == "444.00000"  # the column's scale, as PostgreSQL's SUM gives it
