"""Finding (or opening) the ledger account for an owner, kind and currency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import IntegrityError, transaction

from ewtp.core.compiled import CompiledQuery, create
from ewtp.core.currencies import get_currency
from ewtp.payments import shards
from ewtp.payments.models import Account, Kind, Owner

HUB = "hub"
_memo: ContextVar[dict | None] = ContextVar("payments_account_memo", default=None)
# Account.rows_of compiled once: a batch opens the accounts of hundreds of sellers
_rows_of = CompiledQuery(Account.rows_of, texts=(0, 1, 2, 3))


@contextmanager
def memoised() -> Iterator[None]:
    """Within the block, each account is looked up once (batch jobs touch the same few hub and
    seller accounts thousands of times). Safe because what the ledger reads from an Account —
    id, currency, allow_negative, its shards' ids — never changes; balances are always read from
    the database."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def account(owner_type: str, owner_id: object, kind: str, currency: str) -> Account:
    memo = _memo.get()
    key = (owner_type, str(owner_id), kind, currency)
    if memo is not None and key in memo:
        return memo[key]
    get_currency(currency)  # refuses unknown codes
    # one query finds the account, or a hot account's home row with its shards (shards.py)
    rows = _rows_of(owner_type, str(owner_id), kind, currency)
    if rows and rows[0].shard == 0:
        acc = rows[0]
        if len(rows) == acc.shards:
            acc.__dict__["_shard_ids"] = [r.pk for r in rows]
    else:
        fields = {"owner_type": owner_type, "owner_id": str(owner_id), "kind": kind, "currency": currency}
        try:
            with transaction.atomic():
                acc = create(Account, **fields, allow_negative=kind in Kind.MAY_GO_NEGATIVE,
                             shards=shards.shards_for(kind))
        except IntegrityError:  # opened by a concurrent writer meanwhile
            acc = Account.objects.get(**fields, shard=0)
        shards.open_shards(acc)
    if memo is not None:
        memo[key] = acc
    return acc


def clearing(provider: str, currency: str) -> Account:
    return account(Owner.PROVIDER, provider, Kind.PROVIDER_CLEARING, currency)


def refunds_out(provider: str, currency: str) -> Account:
    return account(Owner.PROVIDER, provider, Kind.REFUNDS, currency)


def seller_escrow(org_id: int, currency: str) -> Account:
    return account(Owner.SELLER, org_id, Kind.ESCROW, currency)


def seller_available(org_id: int, currency: str) -> Account:
    return account(Owner.SELLER, org_id, Kind.SELLER_AVAILABLE, currency)


def seller_payable_out(org_id: int, currency: str) -> Account:
    return account(Owner.SELLER, org_id, Kind.SELLER_PAYABLE_OUT, currency)


def hub_fees(currency: str) -> Account:
    return account(Owner.HUB, HUB, Kind.HUB_FEES, currency)


def fx_margin(currency: str) -> Account:
    return account(Owner.HUB, HUB, Kind.FX_MARGIN, currency)


def fx_liquidity(currency: str) -> Account:
    return account(Owner.FX, HUB, Kind.FX_LIQUIDITY, currency)


def tax_payable(jurisdiction: str, currency: str) -> Account:
    return account(Owner.AUTHORITY, jurisdiction or "-", Kind.TAX_PAYABLE, currency)


def duty_payable(jurisdiction: str, currency: str) -> Account:
    return account(Owner.AUTHORITY, jurisdiction or "-", Kind.DUTY_PAYABLE, currency)
