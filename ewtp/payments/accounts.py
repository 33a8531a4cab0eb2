"""Finding (or opening) the ledger account for an owner, kind and currency."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.db import IntegrityError, transaction

from ewtp.core.compiled import CompiledQuery, create
from ewtp.core.currencies import get_currency
from ewtp.core.orm import chunks
from ewtp.payments import shards
from ewtp.payments.models import Account, Kind, Owner

HUB = "hub"
Key = tuple[str, str, str, str]  # (owner type, owner id, kind, currency)
_MISSING = object()  # preloaded and not found: `account` opens it without looking it up again
_memo: ContextVar[dict | None] = ContextVar("payments_account_memo", default=None)
# Account.rows_of compiled once: a batch opens the accounts of hundreds of sellers
_rows_of = CompiledQuery(Account.rows_of, texts=(0, 1, 2, 3))


@contextmanager
def memoised() -> Iterator[None]:
    """Within the block, each account is looked up once (batch jobs touch the same few hub and
    seller accounts thousands of times). Safe because what the ledger reads from an Account —
    id, currency, allow_negative, its shards' ids — never changes; balances are always read from
    the database."""
    outer = _memo.get()
    if outer is not None:  # within an outer block (a stage, a batch inside it): its memo
        before = dict(outer)
        try:
            yield
        except BaseException:
            # the block's transaction is rolled back: an account it opened is gone with it (one
            # preloaded as missing is missing again)
            outer.clear()
            outer.update(before)
            raise
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def account(owner_type: str, owner_id: object, kind: str, currency: str) -> Account:
    memo = _memo.get()
    key = (owner_type, str(owner_id), kind, currency)
    found = memo.get(key) if memo is not None else None
    if found is not None and found is not _MISSING:
        return found
    get_currency(currency)  # refuses unknown codes
    # one query finds the account, or a hot account's home row with its shards (shards.py)
    rows = [] if found is _MISSING else _rows_of(owner_type, str(owner_id), kind, currency)
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


def preload(keys: Iterable[Key]) -> None:
    """Within `memoised`, look up the accounts a batch is about to use at once (one query per up
    to 500 keys) instead of one query each at first use: found ones are remembered as `account`
    would remember them, missing ones as missing, so `account` opens them without a lookup (in the
    order the batch uses them, so with the same ids). Outside `memoised`, nothing."""
    memo = _memo.get()
    if memo is None:
        return
    todo = sorted({(t, str(o), k, c) for t, o, k, c in keys} - memo.keys())
    for part in chunks(todo, 500):
        wanted = set(part)
        rows: dict[Key, list[Account]] = {}
        # IN lists of each column's values: a few rows more than asked for (a seller's other
        # accounts), sorted out below, instead of 500 OR-ed conditions
        for a in Account.objects.filter(owner_type__in={k[0] for k in part}, owner_id__in={k[1] for k in part},
                                        kind__in={k[2] for k in part}, currency__in={k[3] for k in part}
                                        ).order_by("shard"):
            key = (a.owner_type, a.owner_id, a.kind, a.currency)
            if key in wanted:
                rows.setdefault(key, []).append(a)
        for key in part:
            found = rows.get(key)
            if not found:
                memo[key] = _MISSING
            elif found[0].shard == 0:  # else a home row missing: `account` meets it as one by one
                acc = found[0]
                if len(found) == acc.shards:
                    acc.__dict__["_shard_ids"] = [r.pk for r in found]
                memo[key] = acc


def escrow_keys(e: object, kinds: frozenset[str]) -> list[Key]:
    """The keys of the accounts of these kinds an escrow (or the payment that opens it: the same
    fields) may be posted to, for `preload`: HOLD, REMIT or RELEASE's. A step may use
    fewer (a release without conversion): those are looked up for nothing, and opened only if the
    step asks for them, as before."""
    org, cur, sc, prov = str(e.seller_org_id), e.currency, e.seller_currency, e.provider
    j = e.jurisdiction or "-"
    every = [(Owner.SELLER, org, Kind.ESCROW, cur), (Owner.SELLER, org, Kind.SELLER_AVAILABLE, cur),
             (Owner.SELLER, org, Kind.SELLER_AVAILABLE, sc), (Owner.AUTHORITY, j, Kind.DUTY_PAYABLE, cur),
             (Owner.AUTHORITY, j, Kind.TAX_PAYABLE, cur), (Owner.HUB, HUB, Kind.HUB_FEES, cur),
             (Owner.FX, HUB, Kind.FX_LIQUIDITY, cur), (Owner.FX, HUB, Kind.FX_LIQUIDITY, sc),
             (Owner.HUB, HUB, Kind.FX_MARGIN, sc), (Owner.PROVIDER, prov, Kind.PROVIDER_CLEARING, cur)]
    return [k for k in every if k[2] in kinds]


# the kinds of account each batched escrow step posts to (event_batch.py, remittance.py, escrow.py)
HOLD = frozenset({Kind.PROVIDER_CLEARING, Kind.ESCROW})
REMIT = frozenset({Kind.ESCROW, Kind.DUTY_PAYABLE, Kind.TAX_PAYABLE})
RELEASE = frozenset({Kind.ESCROW, Kind.DUTY_PAYABLE, Kind.TAX_PAYABLE, Kind.HUB_FEES, Kind.FX_LIQUIDITY,
                     Kind.FX_MARGIN, Kind.SELLER_AVAILABLE})


class _Terms(NamedTuple):
    """What `escrow_keys` reads of an escrow."""

    seller_org_id: int
    currency: str
    seller_currency: str
    provider: str
    jurisdiction: str


def preload_for(escrows: Iterable[object], kinds: frozenset[str]) -> None:
    """`preload` of the accounts of these kinds these escrows (or payments) may be posted to: the
    keys made once per distinct seller, currencies, provider and jurisdiction (a batch's thousands
    of escrows share a few hundred)."""
    terms = {_Terms(e.seller_org_id, e.currency, e.seller_currency, e.provider, e.jurisdiction) for e in escrows}
    preload(k for t in terms for k in escrow_keys(t, kinds))


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
