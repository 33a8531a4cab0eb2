"""Officers' actions in a batch (`customs.officer_batch.officer_actions`) write exactly what
`declarations.officer_action` one after another writes — declarations, events, remittances in the
ledger, escrows, audit entries in order — with refusals in their places; a remittance refused in
the middle sends the whole batch one by one, where only that action is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from ewtp.core.actor import SYSTEM, Role
from ewtp.core.errors import AppError, Conflict, NotFound, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.customs import declarations, officer_batch
from ewtp.customs.models import Declaration, DeclarationEvent
from ewtp.customs.officer_batch import Action, officer_actions
from ewtp.market.process import sync_customs
from ewtp.payments import escrow
from ewtp.payments.models import Escrow, LedgerTransaction, Posting
from tests.market.conftest import make_product, make_seller, operator  # noqa: F401 - fixtures
from tests.market.test_checkout import buyer, stocked  # noqa: F401 - fixtures
from tests.market.test_customs_flow import _declared
from tests.market.test_process import CN

N = 4
LATER = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)  # an officer's own clock (the demo's)


class _Undo(Exception):
    pass


def _world(buyer, stocked, make_user) -> tuple[list[int], object]:  # noqa: F811
    """N declarations of hub orders in manual review, and an officer of their jurisdiction."""
    from ewtp.accounts.services import actor_for_user
    from ewtp.customs.services import save_risk_rule

    save_risk_rule(SYSTEM, kind="random_sampling", lane="yellow", params={"rate": "1"})
    refs = [_declared(buyer, stocked, CN, price="200.00", hs="090240").reference for _ in range(N)]
    sync_customs()
    ids = [Declaration.objects.get(parcel__order_no=ref).pk for ref in refs]
    assert set(Declaration.objects.filter(pk__in=ids).values_list("status", flat=True)) == {declarations.REVIEW}
    return ids, actor_for_user(make_user(Role.CUSTOMS_OFFICER, jurisdiction="CN"))


def _state(ids: list[int], since: int) -> dict:
    first_tx = LedgerTransaction.objects.filter(kind="escrow_remit").order_by("pk").values_list("pk", flat=True)
    base = first_tx.first() or 0

    def tx(pk):
        return None if pk is None else pk - base

    def norm(value):
        if isinstance(value, dict):
            return {k: (tx(v) if k == "tx" else norm(v)) for k, v in value.items()}
        return value

    decls = [(d.pk, d.status, d.reason, d.released_at if d.released_at == LATER else d.released_at is not None,
              tx(d.remittance_tx))
             for d in Declaration.objects.filter(pk__in=ids).order_by("pk")]
    events = list(DeclarationEvent.objects.filter(declaration_id__in=ids).order_by("pk")
                  .values_list("declaration_id", "action", "from_status", "to_status", "actor", "note"))
    txs = [(tx(pk), kind, ref) for pk, kind, ref in LedgerTransaction.objects.filter(kind="escrow_remit")
           .order_by("pk").values_list("pk", "kind", "reference")]
    posts = [(tx(t), a, m) for t, a, m in Posting.objects.filter(tx__kind="escrow_remit")
             .order_by("tx_id", "account_id").values_list("tx_id", "account_id", "amount_minor")]
    escrows = list(Escrow.objects.order_by("pk").values_list("order_ref", "state", "released_minor", "duty_minor",
                                                             "tax_minor"))
    audits = [(a, t, i, norm(b), norm(f)) for a, t, i, b, f in AuditEntry.objects.filter(seq__gt=since)
              .order_by("seq").values_list("action", "object_type", "object_id", "before", "after")]
    return {"decls": decls, "events": events, "txs": txs, "posts": posts, "escrows": escrows, "audits": audits}


def _run(ids: list[int], actions: list[Action], *, batch: bool) -> tuple[list, dict]:
    """The actions (batched, or one by one) -> (results as types or errors, what they wrote); rolled back."""
    out: list = []
    with pytest.raises(_Undo), transaction.atomic():
        since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
        if batch:
            results = officer_actions(actions)
        else:
            results = []
            for a in actions:
                try:
                    results.append(declarations.officer_action(a.actor, a.decl_id, a.action, a.reason, now=a.now))
                except AppError as err:
                    results.append(err)
        out += [[(type(r).__name__, r.message) if isinstance(r, AppError) else r.pk for r in results],
                _state(ids, since)]
        raise _Undo
    return out[0], out[1]


# the ledger's and the audit chain's ids compare between two runs only where they roll back (SQLite)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="compares two runs' ids (SQLite)")
def test_a_batch_of_actions_writes_what_one_by_one_writes(buyer, stocked, make_user, monkeypatch):  # noqa: F811
    ids, officer = _world(buyer, stocked, make_user)
    d0, d1, d2, d3 = ids
    actions = [Action(officer, d0, "release", now=LATER), Action(officer, d1, "reject", "  undervalued "),
               Action(officer, d2, "release"), Action(officer, d2, "release"),  # refused: released already
               Action(officer, d3, "hold", "invoice"), Action(officer, d0, "reject", ""),  # refused: no reason
               Action(officer, 10**9, "release"), Action(officer, d3, "release"),  # refused: no such declaration
               Action(officer, d1, "fly")]  # refused: no such action
    calls = []
    real = officer_batch._fast
    monkeypatch.setattr(officer_batch, "_fast", lambda a: calls.append(1) or real(a))
    fast, fast_state = _run(ids, actions, batch=True)
    slow, slow_state = _run(ids, actions, batch=False)
    assert calls == [1]
    assert fast == slow
    for key in slow_state:
        assert fast_state[key] == slow_state[key], key
    assert [f[0] if isinstance(f, tuple) else "ok" for f in fast] == [
        "ok", "ok", "ok", Conflict.__name__, "ok", ValidationFailed.__name__, NotFound.__name__, "ok",
        ValidationFailed.__name__]
    assert slow_state["decls"][0][3] == LATER
    assert len(slow_state["txs"]) == 3  # three releases, each remitting its duty and tax
    assert [d[1] for d in slow_state["decls"]] == [declarations.RELEASED, declarations.REJECTED,
                                                   declarations.RELEASED, declarations.RELEASED]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="compares two runs' ids (SQLite)")
def test_a_remittance_refused_in_the_middle_sends_the_batch_one_by_one(buyer, stocked, make_user):  # noqa: F811
    ids, officer = _world(buyer, stocked, make_user)
    ref = Declaration.objects.select_related("parcel").get(pk=ids[1]).parcel.order_no
    e = Escrow.objects.get(order_ref=ref)  # most of its escrow refunded: too little left for its duty and tax
    escrow.refund(SYSTEM, ref, Money.from_minor(e.remaining_minor - 1, e.currency))
    actions = [Action(officer, pk, "release") for pk in ids]
    fast, fast_state = _run(ids, actions, batch=True)
    slow, slow_state = _run(ids, actions, batch=False)
    assert fast == slow and fast[1][0] == Conflict.__name__
    assert fast_state == slow_state
    assert [d[1] for d in slow_state["decls"]] == [declarations.RELEASED, declarations.REVIEW,
                                                   declarations.RELEASED, declarations.RELEASED]


def test_no_actions_no_statements(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert officer_actions([]) == []


def test_released_in_a_batch_books_duty_and_tax(buyer, stocked, make_user):  # noqa: F811
    """On every database: the batch's rows, remittances and a balanced ledger."""
    from ewtp.payments.verify import verify

    ids, officer = _world(buyer, stocked, make_user)
    results = officer_actions([Action(officer, ids[0], "hold", "invoice"), Action(officer, ids[0], "release"),
                               Action(officer, ids[1], "reject", "undervalued"), Action(officer, ids[2], "release"),
                               Action(officer, ids[2], "release")])
    assert [type(r).__name__ for r in results] == ["Declaration"] * 4 + [Conflict.__name__]
    decls = {d.pk: d for d in Declaration.objects.filter(pk__in=ids)}
    assert [decls[pk].status for pk in ids] == [declarations.RELEASED, declarations.REJECTED, declarations.RELEASED,
                                                declarations.REVIEW]
    assert decls[ids[1]].reason == "undervalued" and decls[ids[3]].released_at is None
    for pk in (ids[0], ids[2]):
        tx = LedgerTransaction.objects.get(pk=decls[pk].remittance_tx)
        assert tx.kind == "escrow_remit" and decls[pk].released_at is not None
    assert list(DeclarationEvent.objects.filter(declaration_id=ids[0], actor=officer.audit_name).order_by("pk")
                .values_list("action", flat=True)) == ["hold", "release"]
    assert AuditEntry.objects.filter(action="payments.escrow_remit").count() == 2
    assert verify().ok, verify().problems
