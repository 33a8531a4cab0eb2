"""`remittance.Batch` writes what `remit_at_clearance` one after another writes: the same ledger
transactions (ids, postings), escrows, account balances and versions; its answers are theirs; a
refusal anywhere in the batch writes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from ewtp.core import audit
from ewtp.core.errors import Conflict
from ewtp.core.models import AuditEntry
from ewtp.core.money import Money
from ewtp.payments import escrow, remittance, shards
from ewtp.payments.models import Account, Escrow, LedgerTransaction, Posting

# (reference, duty, tax): two sellers' escrows in two currencies, one released already (its
# release booked the duty and tax), one unknown, one with nothing due, one remitted before
CASES = [("A", "3.00", "4.66"), ("B", "1.00", "0.00"), ("C", "3.00", "4.66"), ("NONE", "1.00", "1.00"),
         ("D", "0.00", "0.00"), ("E", "2.00", "2.00"), ("F", "0.50", "1.50")]


def _world(prefix: str) -> None:
    for ref, seller, cur in (("A", 7, "EUR"), ("B", 8, "EUR"), ("C", 7, "EUR"), ("D", 8, "EUR"), ("E", 8, "EUR"),
                             ("F", 9, "MYR")):
        escrow.hold("test", order_ref=prefix + ref, seller_org_id=seller, amount=Money("107.66", cur),
                    seller_currency=cur, provider="sandbox", jurisdiction="DE", duty=Money("3.00", cur),
                    tax=Money("4.66", cur))
    escrow.release("test", prefix + "C")
    remittance.remit_at_clearance("test", prefix + "E", Money("2.00", "EUR"), Money("2.00", "EUR"))


def _money(ref: str, duty: str, tax: str) -> tuple[Money, Money]:
    cur = "MYR" if ref == "F" else "EUR"
    return Money(duty, cur), Money(tax, cur)


def _state() -> tuple:
    """The rows, ids counted from the run's first (PostgreSQL's sequences do not roll back)."""
    t0 = LedgerTransaction.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    a0 = Account.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    e0 = Escrow.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    txs = [(pk - t0, kind, ref) for pk, kind, ref in
           LedgerTransaction.objects.order_by("pk").values_list("pk", "kind", "reference")]
    posts = [(tx - t0, acc - a0, amount, cur) for tx, acc, amount, cur in
             Posting.objects.order_by("tx_id", "account_id", "amount_minor")
             .values_list("tx_id", "account_id", "amount_minor", "currency")]
    accounts = [(pk - a0, balance, version) for pk, balance, version in
                Account.objects.order_by("pk").values_list("pk", "balance_minor", "version")]
    escrows = list(Escrow.objects.order_by("pk").values_list("order_ref", "state", "released_minor", "duty_minor",
                                                             "tax_minor"))
    entries = [(int(obj) - e0, before, {**after, "tx": after["tx"] - t0}) for obj, before, after in
               AuditEntry.objects.filter(action="payments.escrow_remit").order_by("seq")
               .values_list("object_id", "before", "after")]
    return txs, posts, accounts, escrows, entries


class _Undo(Exception):
    pass


def _run(remit) -> tuple[list, tuple]:
    """(answers, state) of `remit` on a fresh world, rolled back after (the next run gets the same ids)."""
    out: list = []
    with pytest.raises(_Undo), transaction.atomic():
        shards._rng.seed(7)  # a hot account's shard is drawn at random (PostgreSQL): the same draws
        _world("X")
        t0 = LedgerTransaction.objects.order_by("pk").values_list("pk", flat=True).first()
        out.append([r - t0 if isinstance(r, int) else r for r in remit()])
        out.append(_state())
        raise _Undo
    return out[0], out[1]


def _one_by_one() -> list:
    return [remittance.remit_at_clearance("test", "X" + ref, *_money(ref, d, t)) for ref, d, t in CASES]


def _batched() -> list:
    batch = remittance.Batch()
    for ref, d, t in CASES:
        batch.add("X" + ref, *_money(ref, d, t))
    out = batch.post()
    for r in out:
        if isinstance(r, remittance._Due):
            audit.record("test", "payments.escrow_remit", r.escrow, before=r.before, after=r.after)
    return [r.tx_id if isinstance(r, remittance._Due) else r for r in out]


def test_a_batch_writes_what_one_by_one_writes(db):
    one, expected = _run(_one_by_one)
    batched, state = _run(_batched)
    assert batched == one
    assert state == expected
    assert sum(isinstance(r, int) for r in one) >= 4 and None in one  # new, earlier, released; none due
    # a shared account moved by several transactions: its version counts each, as one by one
    assert max(v for _, _, v in state[2]) >= 4


def test_a_refusal_in_the_middle_writes_nothing(db):
    _world("Y")
    before = _state()
    batch = remittance.Batch()
    batch.add("YA", *_money("A", "3.00", "4.66"))
    batch.add("YB", *_money("B", "4.00", "4.66"))  # more duty than B's escrow holds
    batch.add("YF", *_money("F", "0.50", "1.50"))
    with pytest.raises(Conflict) as refused, transaction.atomic():
        batch.post()
    with pytest.raises(Conflict) as alone, transaction.atomic():
        remittance.remit_at_clearance("test", "YB", *_money("B", "4.00", "4.66"))
    assert refused.value.message == alone.value.message
    assert _state() == before


def test_a_second_remittance_of_an_order_is_unusual(db):
    _world("Z")
    batch = remittance.Batch()
    batch.add("ZA", *_money("A", "1.00", "1.00"))
    batch.add("ZA", *_money("A", "1.00", "1.00"))
    before = _state()
    with pytest.raises(remittance.Unusual):
        batch.post()
    assert _state() == before
