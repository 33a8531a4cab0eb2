"""What a run of checkouts looks up again and again, remembered for one block (`remembered()`,
around the simulator's checkout stage): the published variants with their products, the sellers'
profiles with their tax registration schemes, the locked stock rows of the variants bought,
kept current by the block's own reservations, the day's hub network (its cache generation is
otherwise looked up for every consignment) and its corridors' measured transit days, and the sellers' priced consignments with their JSON
text (many buyers order the same items to the same country); and the carts a placement of the
block has emptied, until they are edited again (a buyer who comes back has nothing to read).

Only for a block inside one transaction in which nothing but the block's own checkouts writes
those rows (a batch job's stage): then each lookup gives what the query it saves would have given.
The API's checkouts never run inside one. Without a block every lookup is its query, as before.
A checkout that fails with anything but a refusal forgets everything (its savepoint, and what it
wrote and locked, were rolled back)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from ewtp.logistics.snapshot import Network
from ewtp.market.models import SellerProfile, StockLevel, Variant


@dataclass
class _Memo:
    variants: dict[int, Variant] = field(default_factory=dict)  # published, with their products
    sellers: dict[int, tuple[SellerProfile, set[str]]] = field(default_factory=dict)  # by organisation id
    stock: dict[int, list[StockLevel]] = field(default_factory=dict)  # by variant, in id order
    networks: dict[date, Network] = field(default_factory=dict)  # by day
    medians: dict[date, dict] = field(default_factory=dict)  # the corridors' measured transit days, by day
    consignments: dict[tuple, list] = field(default_factory=dict)  # [consignment, its JSON text or None]
    empty_carts: set[int] = field(default_factory=set)  # emptied by a placement, no line written since


_memo: ContextVar[_Memo | None] = ContextVar("market_checkout_memo", default=None)


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block, variants, sellers and stock rows are read once (see the module)."""
    if not connection.in_atomic_block:
        raise RuntimeError("checkout_memo.remembered runs inside one transaction")
    token = _memo.set(_Memo())
    try:
        yield
    finally:
        _memo.reset(token)


def forget() -> None:
    """Drop what the block remembers (after a rollback it may no longer be what the rows hold)."""
    if _memo.get() is not None:
        _memo.set(_Memo())


def variants(ids: list[int], read: Callable[[list[int]], list[Variant]]) -> dict[int, Variant]:
    """The published variants among `ids` by id; `read(ids)` is the query (absent ones are asked again)."""
    memo = _memo.get()
    if memo is None:
        return {v.pk: v for v in read(ids)}
    missing = [v for v in ids if v not in memo.variants]
    if missing:
        for v in read(missing):
            memo.variants[v.pk] = v
    return {v: memo.variants[v] for v in ids if v in memo.variants}


def sellers(org_ids: list[int], read_profiles: Callable[[list[int]], list[SellerProfile]],
            read_schemes: Callable[[list[int]], list[tuple[int, str]]],
            ) -> tuple[dict[int, SellerProfile], dict[int, set[str]]]:
    """Profiles by organisation id and registration schemes by profile id, as the two queries
    give them (`read_schemes(profile ids)` -> (profile id, scheme) pairs)."""
    memo = _memo.get()
    missing = org_ids if memo is None else [o for o in org_ids if o not in memo.sellers]
    profiles = {p.organisation_id: p for p in read_profiles(missing)} if missing else {}
    schemes: dict[int, set[str]] = defaultdict(set)
    if profiles:
        for profile_id, scheme in read_schemes([p.pk for p in profiles.values()]):
            schemes[profile_id].add(scheme)
    if memo is None:
        return profiles, schemes
    for org, p in profiles.items():
        memo.sellers[org] = (p, schemes[p.pk])
    known = {o: memo.sellers[o] for o in org_ids if o in memo.sellers}
    return ({o: p for o, (p, _) in known.items()},
            defaultdict(set, {p.pk: s for p, s in known.values()}))


def stock(variant_ids: list[int], read: Callable[[list[int]], list[StockLevel]]) -> list[StockLevel]:
    """The (locked) stock rows of these variants in id order; `read(ids)` is the query. In a block
    the rows are the remembered objects: the caller updates them as it writes them."""
    memo = _memo.get()
    if memo is None:
        return read(variant_ids)
    missing = [v for v in variant_ids if v not in memo.stock]
    if missing:
        by_variant: dict[int, list[StockLevel]] = {v: [] for v in missing}
        for lv in read(missing):
            by_variant[lv.variant_id].append(lv)
        memo.stock.update(by_variant)
    return sorted((lv for v in variant_ids for lv in memo.stock[v]), key=lambda lv: lv.pk)


def _per_day(table: str, day: date, read: Callable[[date], Any]) -> Any:
    """`read(day)`, remembered in the block's `table` by day."""
    memo = _memo.get()
    if memo is None:
        return read(day)
    found = getattr(memo, table).get(day)
    if found is None:
        found = getattr(memo, table)[day] = read(day)
    return found


def network(day: date, read: Callable[[date], Network]) -> Network:
    """The hub network of `day`; `read(day)` is the lookup (`logistics.snapshot.network_on`)."""
    return _per_day("networks", day, read)


def medians(day: date, read: Callable[[date], dict[tuple[str, str], tuple[Decimal, int]]],
            ) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """The corridors' measured transit days on `day`; `read(day)` is the lookup
    (`logistics.transit.corridor_medians`: the block delivers no shipment, so they stay as read)."""
    return _per_day("medians", day, read)


def consignment(key: tuple, build: Callable[[], dict], encode: Callable[[dict], str] | None,
                ) -> tuple[dict, str | None]:
    """A seller's priced consignment, `build()`, and with `encode` its JSON text. In a block each is
    made once per `key`, which must name every input of the consignment that is not fixed for the
    block (the sellers, variants and the day's network are); the answer is shared, never changed."""
    memo = _memo.get()
    if memo is None:
        c = build()
        return c, (encode(c) if encode is not None else None)
    hit = memo.consignments.get(key)
    if hit is None:
        hit = memo.consignments[key] = [build(), None]  # a refusal raises: nothing is remembered
    if encode is not None and hit[1] is None:
        hit[1] = encode(hit[0])
    return hit[0], hit[1]


def cart_emptied(cart_id: int) -> None:
    """A placement has just emptied this cart (its lines deleted, or never written)."""
    memo = _memo.get()
    if memo is not None:
        memo.empty_carts.add(cart_id)


def take_empty(cart_id: int) -> bool:
    """Whether the cart is known to hold no line; asked by an edit that may write lines, so the
    knowledge is used up (a placement that empties the cart again says so again)."""
    memo = _memo.get()
    if memo is None or cart_id not in memo.empty_carts:
        return False
    memo.empty_carts.discard(cart_id)
    return True
