"""Ledger accounts looked up per batch (`accounts.preload`): the same accounts, with the same ids
and shards, as looked up one by one, in one query per 500 keys; a missing one opened at first
use, as before; a nested block that fails forgets the accounts it opened (rolled back)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ewtp.payments import accounts, shards
from ewtp.payments.models import Account, Kind, Owner


@pytest.fixture(autouse=True)
def _four_shards(settings):
    settings.EWTP_LEDGER_SHARDS = 4


def _lookups(ctx: CaptureQueriesContext) -> int:
    return sum('FROM "payments_account"' in q["sql"] and q["sql"].lstrip().startswith("SELECT")
               for q in ctx.captured_queries)


@pytest.mark.django_db
def test_preloaded_accounts_are_the_ones_looked_up_one_by_one():
    fees, esc = accounts.hub_fees("EUR"), accounts.seller_escrow(7, "EUR")  # opened, outside any memo
    with accounts.memoised():
        accounts.preload([(Owner.HUB, accounts.HUB, Kind.HUB_FEES, "EUR"), (Owner.SELLER, 7, Kind.ESCROW, "EUR")])
        with CaptureQueriesContext(connection) as ctx:
            got_fees, got_esc = accounts.hub_fees("EUR"), accounts.seller_escrow(7, "EUR")
        assert _lookups(ctx) == 0
    assert (got_fees.pk, got_esc.pk) == (fees.pk, esc.pk)
    assert shards.shard_ids(got_fees) == list(Account.rows_of("hub", "hub", "hub_fees", "EUR").values_list("pk", flat=True))
    assert len(shards.shard_ids(got_fees)) == 4


@pytest.mark.django_db
def test_missing_accounts_open_at_first_use_in_that_order_without_a_lookup():
    with accounts.memoised():
        accounts.preload([(Owner.SELLER, "9", Kind.ESCROW, "EUR"), (Owner.SELLER, "8", Kind.ESCROW, "EUR")])
        assert not Account.objects.exists()  # preloading opens nothing
        with CaptureQueriesContext(connection) as ctx:
            first, second = accounts.seller_escrow(8, "EUR"), accounts.seller_escrow(9, "EUR")
        assert _lookups(ctx) == 0
        assert accounts.seller_escrow(8, "EUR") is first
    assert second.pk > first.pk  # in the order they were used, as one by one
    assert Account.objects.get(owner_id="8", kind="escrow").pk == first.pk


@pytest.mark.django_db
def test_preload_looks_up_500_keys_per_query_and_refuses_an_unknown_currency_at_use():
    keys = [(Owner.SELLER, str(n), Kind.ESCROW, "EUR") for n in range(1200)]
    with accounts.memoised():
        with CaptureQueriesContext(connection) as ctx:
            accounts.preload(keys)
        assert _lookups(ctx) == 3
        accounts.preload([(Owner.SELLER, "1", Kind.ESCROW, "XXX")])
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever get_currency raises, as one by one
            accounts.seller_escrow(1, "XXX")
    accounts.preload(keys)  # outside a memo: nothing
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_a_failed_nested_block_forgets_the_accounts_it_opened():
    with accounts.memoised():
        kept = accounts.seller_escrow(1, "EUR")
        with pytest.raises(RuntimeError), transaction.atomic(), accounts.memoised():
            accounts.seller_escrow(2, "EUR")
            assert accounts.seller_escrow(1, "EUR") is kept  # the outer memo, shared
            raise RuntimeError
        assert not Account.objects.filter(owner_id="2").exists()
        again = accounts.seller_escrow(2, "EUR")  # looked up (and opened) again, not the rolled-back row
        assert Account.objects.filter(pk=again.pk).exists()
        assert accounts.seller_escrow(1, "EUR") is kept


@pytest.mark.django_db
def test_a_failed_nested_block_forgets_an_account_it_opened_that_was_preloaded_as_missing():
    with accounts.memoised():
        accounts.preload([(Owner.SELLER, "3", Kind.ESCROW, "EUR")])
        with pytest.raises(RuntimeError), transaction.atomic(), accounts.memoised():
            accounts.seller_escrow(3, "EUR")
            raise RuntimeError
        again = accounts.seller_escrow(3, "EUR")
        assert Account.objects.filter(pk=again.pk, owner_id="3").exists()
