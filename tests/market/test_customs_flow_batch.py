"""The customs sync's fast path pushes a batch of hub orders' documents and declares them
(`customs.declare_batch`: rows, events, remittances and audit entries written together; the
parcels' rows once per sync, `intake.together`) exactly as the one-by-one path does; a
remittance refused in the middle sends the sync's batches again each on its own, then that one
one by one, where only that order's inventory list is refused."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from ewtp.core.actor import SYSTEM
from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.customs import batch
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel, TradeDocument
from ewtp.market.models import Order
from ewtp.market.process import sync_customs, sync_payments
from ewtp.payments import escrow
from ewtp.payments.models import Account, Escrow, LedgerTransaction, Posting
from tests.market.customs_helpers import push_test_waybill
from tests.market.test_checkout import buyer  # noqa: F401 - fixture
from tests.market.test_customs_flow import DE, MY, _shipped, registered  # noqa: F401 - fixture
from tests.market.test_process import CN, _paid_order

DESTS = [(CN, {"price": "200.00", "hs": "090240"}), (DE, {"scheme": "EU-IOSS"}),
         (MY, {"country": "CN", "currency": "CNY", "scheme": "MY-LVG", "price": "60.00"}),
         (DE, {"scheme": "EU-IOSS", "price": "30.00"})]
VOLATILE = {"digest", "guid", "number", "tx"}  # numbers and tx ids: compared in the rows


class _Undo(Exception):
    pass


MODELS = {"customs.declaration": Declaration, "customs.parcel": Parcel, "customs.tradedocument": TradeDocument,
          "payments.escrow": Escrow, "payments.ledgertransaction": LedgerTransaction, "payments.account": Account,
          "market.order": Order}


def _last_ids() -> dict:
    return {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in MODELS.values()}


def _state(refs: list[str], since: int, before: dict) -> dict:
    """What the sync wrote, by the orders' places (their references differ between runs) and ids
    counted from the run's first of each table (PostgreSQL's sequences do not roll back)."""
    place = {ref: f"#{n}" for n, ref in enumerate(refs)}
    first = {m: m.objects.filter(pk__gt=before[m]).order_by("pk").values_list("pk", flat=True).first() or 0
             for m in MODELS.values()}

    def rel(model, pk):
        return None if pk is None else pk - first[model] if pk > before[model] else ("old", pk)

    def norm(value):
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return place.get(value, value) if isinstance(value, str) else value

    decls = [(place[d.parcel.order_no], rel(Declaration, d.pk), rel(Parcel, d.parcel_id), d.status, d.lane,
              d.duty, d.tax_total, rel(LedgerTransaction, d.remittance_tx))
             for d in Declaration.objects.select_related("parcel").order_by("pk")]
    events = [(rel(Declaration, d), a, s) for d, a, s in DeclarationEvent.objects.order_by("pk")
              .values_list("declaration_id", "action", "to_status")]
    txs = [(rel(LedgerTransaction, pk), kind, place.get(ref, ref)) for pk, kind, ref in
           LedgerTransaction.objects.order_by("pk").values_list("pk", "kind", "reference")]
    posts = [(rel(LedgerTransaction, t), rel(Account, a), m) for t, a, m in Posting.objects
             .order_by("tx_id", "account_id", "amount_minor").values_list("tx_id", "account_id", "amount_minor")]
    accounts = [(rel(Account, pk), b, v) for pk, b, v in
                Account.objects.order_by("pk").values_list("pk", "balance_minor", "version")]
    escrows = [(place[ref], *rest) for ref, *rest in Escrow.objects.order_by("pk").values_list(
        "order_ref", "state", "released_minor", "duty_minor", "tax_minor")]
    docs = [(place[no], kind, version) for no, kind, version in TradeDocument.objects.order_by("pk")
            .values_list("order_no", "kind", "version")]
    audits = [(a, t, rel(MODELS[t], int(i)) if t in MODELS else i, norm(b), norm(f)) for a, t, i, b, f in
              AuditEntry.objects.filter(seq__gt=since).order_by("seq")
              .values_list("action", "object_type", "object_id", "before", "after")]
    return {"decls": decls, "events": events, "txs": txs, "posts": posts, "accounts": accounts,
            "escrows": escrows, "docs": docs, "audits": audits}


def _run(buyer, registered, *, fast: bool, refuse: int | None, monkeypatch) -> tuple:  # noqa: F811
    """Hub orders matched and waiting for their inventory lists, then the sync that files them ->
    (its report, what it wrote, how often the fast path ran); rolled back after."""
    calls = []
    real = batch.fast_pushes

    def spy(*args, **kwargs):
        if args[3]:  # a batch with pushes in it
            calls.append(args[2])
        if not fast:
            raise batch.Redo
        return real(*args, **kwargs)

    out: list = []
    with pytest.raises(_Undo), transaction.atomic():
        before = _last_ids()
        orders = [_paid_order(buyer, registered(**kw)[0], dest) for dest, kw in DESTS]
        sync_payments()
        since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
        with monkeypatch.context() as m:
            m.setattr(batch, "fast_pushes", spy)
            assert sync_customs().documents == len(orders)  # the order and payment documents
        for order in orders:
            push_test_waybill(_shipped(order))
        if refuse is not None:  # most of its escrow refunded: too little left for its duty and tax
            ref = orders[refuse].reference
            e = Escrow.objects.get(order_ref=ref)
            escrow.refund(SYSTEM, ref, Money.from_minor(e.remaining_minor - 1, e.currency))
        with monkeypatch.context() as m:
            m.setattr(batch, "fast_pushes", spy)
            report = sync_customs()
        out += [(report.inventories, report.cleared, len(report.failed)),
                _state([o.reference for o in orders], since, before), calls.count("inventory")]
        raise _Undo
    return tuple(out)


# two runs of the same world compare only where they make the same ids: on PostgreSQL the
# sequences do not roll back between them and accounts, orders and their unordered polls follow
# (the remittances' SQL on PostgreSQL: tests/payments/test_remittance_batch.py)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="compares two runs' ids (SQLite)")
@pytest.mark.parametrize("refuse", [None, 1])
def test_the_fast_path_declares_as_one_by_one(buyer, registered, monkeypatch, refuse, settings):  # noqa: F811
    settings.EWTP_LEDGER_SHARDS = 1  # no shard drawn at random (PostgreSQL): the postings' accounts compare
    fast_report, fast, fast_calls = _run(buyer, registered, fast=True, refuse=refuse, monkeypatch=monkeypatch)
    slow_report, slow, _ = _run(buyer, registered, fast=False, refuse=refuse, monkeypatch=monkeypatch)
    # refused: the sync's batches together (intake.together), then each on its own, then one by one
    assert fast_calls == (1 if refuse is None else 2)
    assert fast["docs"][0][1:] == ("order", 1) and len(fast["docs"]) == 4 * len(DESTS) - (refuse is not None)
    for key in fast:
        assert fast[key] == slow[key], key
    assert fast_report == slow_report
    decls = fast["decls"]
    assert sum(1 for d in decls if d[7] is not None) >= 2  # remittances booked in the batch
    if refuse is None:
        assert fast_report == (4, 4, 0) and len(decls) == 4
    else:  # the refused order's inventory list is left for the next run; the others went on
        assert fast_report[0] == 3 and fast_report[2] == 1 and "#1" not in {d[0] for d in decls}
