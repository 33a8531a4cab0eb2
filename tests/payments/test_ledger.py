from __future__ import annotations

import pytest
from django.db import transaction

from ewtp.core.money import Money
from ewtp.payments import accounts, ledger
from ewtp.payments.ledger import Entry, InsufficientFunds, Unbalanced
from ewtp.payments.models import LedgerTransaction, Posting
from ewtp.payments.verify import verify

pytestmark = pytest.mark.django_db


def _pair():
    return accounts.clearing("sandbox", "EUR"), accounts.seller_escrow(1, "EUR")


def test_post_moves_money_and_caches_balances():
    clearing, escrow = _pair()
    tx = ledger.post(
        Entry("t", "r1").add(clearing, Money("-12.34", "EUR")).add(escrow, Money("12.34", "EUR"))
    )
    clearing.refresh_from_db()
    escrow.refresh_from_db()
    assert clearing.balance == Money("-12.34", "EUR") and escrow.balance == Money("12.34", "EUR")
    assert escrow.version == 1
    assert sorted(Posting.objects.filter(tx_id=tx).values_list("amount_minor", flat=True)) == [-1234, 1234]
    assert verify().ok


def test_unbalanced_is_refused_whole():
    clearing, escrow = _pair()
    with pytest.raises(Unbalanced, match="EUR off by"):
        ledger.post(Entry("t", "r").add(clearing, -100).add(escrow, 99))
    with pytest.raises(Unbalanced, match="at least two"):
        ledger.post(Entry("t", "r").add(escrow, 0))
    assert not LedgerTransaction.objects.exists()


def test_mixed_currencies_must_balance_each():
    eur, usd = accounts.fx_liquidity("EUR"), accounts.fx_liquidity("USD")
    with pytest.raises(Unbalanced):
        ledger.post(Entry("t", "r").add(eur, -100).add(usd, 100))


def test_money_in_wrong_currency_or_unrounded_refused():
    _, escrow = _pair()
    with pytest.raises(Unbalanced):
        Entry("t", "r").add(escrow, Money("1", "USD"))
    with pytest.raises(ValueError):
        Entry("t", "r").add(escrow, Money("1.001", "EUR"))


def test_guarded_account_cannot_go_negative_and_nothing_is_written():
    clearing, escrow = _pair()
    with pytest.raises(InsufficientFunds):
        ledger.post(Entry("t", "r").add(escrow, -1).add(clearing, 1))
    escrow.refresh_from_db()
    assert escrow.balance_minor == 0 and not Posting.objects.exists()


def test_batch_posts_all_or_nothing():
    clearing, escrow = _pair()
    entries = [Entry("t", f"b{i}").add(clearing, -10).add(escrow, 10) for i in range(50)]
    ids = ledger.post_batch(entries)
    assert len(ids) == 50 and len(set(ids)) == 50
    escrow.refresh_from_db()
    assert escrow.balance_minor == 500
    bad = [
        Entry("t", "x").add(escrow, -400).add(clearing, 400),
        Entry("t", "y").add(escrow, -200).add(clearing, 200),
    ]
    with pytest.raises(InsufficientFunds):
        ledger.post_batch(bad)
    escrow.refresh_from_db()
    assert escrow.balance_minor == 500 and LedgerTransaction.objects.count() == 50
    assert verify().ok


def test_postings_are_append_only_and_corrections_reference_the_original():
    clearing, escrow = _pair()
    tx = ledger.post(Entry("t", "r").add(clearing, -5).add(escrow, 5))
    p = Posting.objects.filter(tx_id=tx).first()
    p.amount_minor = 6
    with pytest.raises(PermissionError):
        p.save()
    with pytest.raises(PermissionError):
        p.delete()
    fix = ledger.correct(tx, "reversal", Entry("", "r").add(escrow, -5).add(clearing, 5))
    assert LedgerTransaction.objects.get(pk=fix).corrects_id == tx


def test_verify_catches_a_tampered_cache_and_an_unbalanced_transaction():
    from ewtp.payments.models import Account

    clearing, escrow = _pair()
    ledger.post(Entry("t", "r").add(clearing, -5).add(escrow, 5))
    Account.objects.filter(pk=escrow.pk).update(balance_minor=7)
    rep = verify()
    assert not rep.ok and any("cached balance 7" in p for p in rep.problems)
    Account.objects.filter(pk=escrow.pk).update(balance_minor=5)
    tx = LedgerTransaction.objects.first()
    Posting.objects.bulk_create([Posting(tx=tx, account=escrow, amount_minor=1, currency="EUR")])
    rep = verify()
    assert any("does not balance in EUR" in p for p in rep.problems)


def test_unknown_account_is_refused():
    from ewtp.core.errors import NotFound
    from ewtp.payments.ledger import Leg

    clearing, _ = _pair()
    ghost = Leg(account_id=999_999, currency="EUR", allow_negative=True, amount_minor=5)
    with pytest.raises(NotFound):
        ledger.post(Entry("t", "r", [Leg.of(clearing, -5), ghost]))
    with pytest.raises(NotFound):
        ledger.post_batch([Entry("t", "r", [Leg.of(clearing, -5), ghost])])
    assert not LedgerTransaction.objects.exists()


@pytest.mark.django_db
def test_batch_and_single_posting_agree():
    """Random balanced entries posted one by one or as one batch leave the same balances."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ewtp.payments.models import Account

    legs = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 10_000)), min_size=1, max_size=4)

    @settings(max_examples=30, deadline=None)
    @given(st.lists(legs, min_size=1, max_size=8))
    def check(spec):
        with transaction.atomic():
            src = accounts.clearing("sandbox", "EUR")
            sinks = [accounts.seller_escrow(i, "EUR") for i in range(4)]
            entries = []
            for n, parts in enumerate(spec):
                e = Entry("t", f"e{n}").add(src, -sum(a for _, a in parts))
                for i, a in parts:
                    e.add(sinks[i], a)
                entries.append(e)
            for e in entries:
                ledger.post(e)
            one_by_one = {a.pk: a.balance_minor for a in Account.objects.all()}
            ledger.post_batch(entries)
            doubled = {a.pk: a.balance_minor for a in Account.objects.all()}
            assert doubled == {k: 2 * v for k, v in one_by_one.items()}
            assert verify().ok
            transaction.set_rollback(True)

    check()


def test_the_database_refuses_a_guarded_balance_below_zero():
    from django.db import IntegrityError

    from ewtp.payments.models import Account

    clearing, escrow = _pair()
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=escrow.pk).update(balance_minor=-1)
    Account.objects.filter(pk=clearing.pk).update(balance_minor=-1)  # a boundary account may
