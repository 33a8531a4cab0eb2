"""`placement.buy` (set the cart, quote, place, without reading back what was just written) and
`checkout_memo` (variants, sellers and stock read once in a block): the same rows, refusals and
audit entries as `set_quantities`, `quote_checkout` and `place` called one after the other."""

import re
from decimal import Decimal

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.models import Max

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.core.errors import AppError, Conflict, NotFound, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.market import cart, checkout, checkout_memo, placement
from ewtp.market.checkout import quote_checkout
from ewtp.market.models import (
    CartLine,
    CbecUsage,
    CheckoutQuote,
    Order,
    OrderGroup,
    OrderLine,
    StockLevel,
    StockReservation,
)
from tests.market.test_checkout import AU, stocked  # noqa: F401 - the fixture

CN = {**AU, "country": "CN", "city": "Hangzhou"}  # no identity: refused at the quote
NEW = [CheckoutQuote, OrderGroup, Order, OrderLine, StockReservation, AuditEntry]
FK = {"quote_id": CheckoutQuote, "group_id": OrderGroup, "order_id": Order, "line_id": OrderLine}
CLOCK = {"created_at", "updated_at", "expires_at", "at", "hash", "prev_hash", "seq"}
AUDITED = {"market.checkoutquote": CheckoutQuote, "market.ordergroup": OrderGroup}


def _one_by_one(buyer, quantities, destination):
    cart.set_quantities(buyer, quantities)
    return placement.place(buyer, quote_checkout(buyer, destination).pk)


def _mark() -> dict:
    return {m: m.objects.aggregate(x=Max("pk"))["x"] or 0 for m in NEW}


def _rows(mark: dict) -> dict:
    """The rows written since `mark`, their ids and the ids they refer to as ranks among them (a
    sequence on PostgreSQL does not go back with a rolled-back savepoint), plus stock and carts."""
    found = {m: list(m.objects.filter(pk__gt=mark[m]).order_by("pk").values()) for m in NEW}
    rank = {m: {r["id"]: n for n, r in enumerate(rows)} for m, rows in found.items()}
    out = {}
    for m, rows in found.items():
        norm = []
        for r in rows:
            r = {k: v for k, v in r.items() if k not in CLOCK}
            r["id"] = rank[m][r["id"]]
            for k, target in FK.items():
                if k in r:
                    r[k] = rank[target].get(r[k], ("before", r[k]))
            if m is Order:
                r["reference"] = re.sub(r"^OG\d+", f"OG{r['group_id']}", r["reference"])
            if m is AuditEntry and r["object_type"] in AUDITED:
                r["object_id"] = rank[AUDITED[r["object_type"]]][int(r["object_id"])]
                r["after"] = {k: v for k, v in r["after"].items() if k != "orders"}  # the references, as above
            norm.append(r)
        out[m.__name__] = norm
    out["stock"] = list(StockLevel.objects.order_by("pk").values_list("pk", "reserved"))
    # by buyer: a cart made in a rolled-back savepoint took a number from PostgreSQL's sequence
    out["cart_lines"] = list(CartLine.objects.order_by("cart__buyer_id", "variant_id")
                             .values_list("cart__buyer_id", "variant_id", "quantity"))
    return out


def _run(path, scenarios) -> tuple[list, dict]:
    mark = _mark()
    outcomes = []
    for buyer, quantities, destination in scenarios:
        try:
            placed = path(buyer, quantities, destination)
            outcomes.append([o.reference[o.reference.index("-"):] for o in placed.orders])
        except AppError as err:
            outcomes.append((type(err).__name__, err.code, err.fields, err.message))
    return outcomes, _rows(mark)


def _rolled_back(path, scenarios, *, remembered: bool = False) -> tuple[list, dict]:
    sid = transaction.savepoint()
    try:
        if remembered:
            with checkout_memo.remembered():
                return _run(path, scenarios)
        return _run(path, scenarios)
    finally:
        transaction.savepoint_rollback(sid)


@pytest.fixture
def scenarios(make_user, refdata, stocked, make_seller, make_product):  # noqa: F811
    a, b, c, d = (actor_for_user(make_user(Role.BUYER)) for _ in range(4))
    v1, v2 = stocked("MY", "MYR", n=2, stock=4)
    [v3] = stocked("SG", "SGD", stock=3, price="12.50")
    actor, org = make_seller()
    draft = make_product(actor, org, title="Draft", sku="DRAFT-B", publish=False).variants.get().pk
    return [
        (a, [(v1, 2), (v3, 1)], AU),  # two sellers
        (b, [(v1, 3)], AU),  # two left: out of stock at placement, the quote kept
        (c, [(v2, 1)], CN),  # refused at the quote: the line kept
        (d, [(v2, 1), (draft, 1), (v3, 1)], AU),  # refused at the cart: the first line kept
        (a, [(v1, 2), (v2, 2)], AU),  # the last two of v1
        (b, [(v1, 0), (v3, 2)], AU),  # b's cart still holds v1 (refused above): removed, v3 added
        (c, [(v3, 1)], AU),  # c's cart holds v2 from the refused quote: both placed; v3 now short
    ]


def test_buy_writes_what_one_by_one_writes(scenarios):
    expected = _rolled_back(_one_by_one, scenarios)
    kinds = [o[:2] if isinstance(o, tuple) else len(o) for o in expected[0]]  # orders placed, or the refusal
    assert kinds == [2, ("Conflict", "out_of_stock"), ("ValidationFailed", "validation_failed"),
                     ("NotFound", "not_found"), 1, 1, ("Conflict", "out_of_stock")]
    assert _rolled_back(placement.buy, scenarios) == expected
    assert _rolled_back(placement.buy, scenarios, remembered=True) == expected


def test_a_remembered_block_forgets_after_an_error_that_is_not_a_refusal(scenarios, monkeypatch):
    a, quantities, _ = scenarios[0]
    [(v1, _), _] = quantities
    with checkout_memo.remembered():
        placement.buy(a, [(v1, 1)], AU)
        def broken(*args, **kwargs):
            raise DatabaseError("no such table")

        monkeypatch.setattr(placement, "insert_encoded", broken)
        with pytest.raises(DatabaseError):  # after the stock row was written: all of buy rolled back
            placement.buy(a, [(v1, 1)], AU)
        monkeypatch.undo()
        assert StockLevel.objects.get(variant_id=v1).reserved == 1
        placement.buy(a, [(v1, 1)], AU)  # a remembered row one ahead would have written 3
    assert StockLevel.objects.get(variant_id=v1).reserved == 2


def test_a_refused_reservation_leaves_remembered_stock_as_it_was(scenarios):
    a, quantities, _ = scenarios[0]
    [(v1, _), (v3, _)] = quantities
    with checkout_memo.remembered():
        with pytest.raises(Conflict):  # v1 is reserved in memory before v3 is found short
            placement.buy(a, [(v1, 2), (v3, 5)], AU)
        a_lines = cart.buyer_lines(a)
        cart.set_quantities(a, [(ln.variant_id, 0) for ln in a_lines])
        placement.buy(a, [(v1, 4)], AU)  # all four: none was kept back by the refused one
    assert StockLevel.objects.get(variant_id=v1).reserved == 4


def test_remembered_needs_a_transaction(db):
    conn = connections["default"]
    conn.in_atomic_block = False  # as outside any transaction
    try:
        with pytest.raises(RuntimeError), checkout_memo.remembered():
            pass
    finally:
        conn.in_atomic_block = True


def test_a_total_sqlite_could_not_keep_is_read_back(scenarios, monkeypatch):
    a, quantities, _ = scenarios[0]
    real = placement.quote_lines

    def too_long(*args, **kwargs):
        q, texts = real(*args, **kwargs)
        q.total = Decimal("123456789012.3456")  # 16 digits: SQLite keeps 15
        return q, texts

    monkeypatch.setattr(placement, "quote_lines", too_long)
    placed = placement.buy(a, quantities, AU)
    assert placed.group.total == CheckoutQuote.objects.get(pk=placed.group.quote_id).total != Decimal(
        "123456789012.3456")


def test_set_quantities_lines_are_the_lines_buyer_lines_reads(scenarios):
    a, [(v1, _), (v3, _)], _ = scenarios[0]
    v2 = scenarios[2][1][0][0]
    cart.set_quantities(a, [(v3, 1), (v1, 1)])
    for quantities in ([(v1, 2), (v2, 1)], [(v3, 0), (v1, 1)], [(v2, 1), (v2, 0)]):  # the last: one variant twice
        with transaction.atomic():
            lines = cart.set_quantities_lines(a, quantities)
        read = cart.buyer_lines(a)
        assert [(ln.pk, ln.variant_id, ln.quantity, ln.variant.price_amount, ln.variant.product.hs_code)
                for ln in lines] == [(ln.pk, ln.variant_id, ln.quantity, ln.variant.price_amount,
                                      ln.variant.product.hs_code) for ln in read]


@pytest.mark.parametrize("used", [None, Decimal(0), Decimal("123.4567")])
def test_the_compiled_cbec_usage_reads_what_the_query_read(make_user, refdata, used):
    buyer = make_user(Role.BUYER)
    if used is not None:
        CbecUsage.objects.create(buyer_id=buyer.pk, year=2026, used_cny=used)
    row = CbecUsage.objects.filter(buyer_id=buyer.pk, year=2026).values_list("used_cny", flat=True).first()
    assert checkout._cbec_used(buyer.pk, 2026) == (row or Decimal(0))
    assert str(checkout._cbec_used(buyer.pk, 2026)) == str(row or Decimal(0))
    assert checkout._cbec_used(buyer.pk, 2025) == Decimal(0)


def test_refusals_raise_the_same_errors(scenarios):
    _, quantities, _ = scenarios[3]
    with pytest.raises(NotFound):
        placement.buy(scenarios[3][0], quantities, AU)
    with pytest.raises(ValidationFailed):
        placement.buy(scenarios[2][0], scenarios[2][1], CN)


def test_buy_of_an_empty_cart_neither_inserts_nor_deletes_its_lines(scenarios):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, quantities, _ = scenarios[0]
    with CaptureQueriesContext(connection) as ctx:
        placement.buy(a, quantities, AU)
    table = CartLine._meta.db_table
    writes = [q["sql"] for q in ctx.captured_queries
              if table in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not CartLine.objects.filter(cart__buyer_id=a.user_id).exists()


def test_set_quantities_held_holds_back_only_the_lines_of_an_empty_cart(scenarios):
    a, [(v1, _), (v3, _)], _ = scenarios[0]
    with transaction.atomic():
        lines, held = cart.set_quantities_held(a, [(v3, 1), (v1, 2)])
    assert [(ln.variant_id, ln.quantity) for ln in held] == [(v3, 1), (v1, 2)]  # as set_quantities inserts them
    assert all(ln.pk is None for ln in held) and sorted(lines, key=id) == sorted(held, key=id)
    assert not CartLine.objects.filter(cart__buyer_id=a.user_id).exists()
    cart.set_quantities(a, [(v3, 1)])
    with transaction.atomic():
        lines, held = cart.set_quantities_held(a, [(v1, 2)])  # the cart holds v3: written, as ever
    assert held == []
    assert [(ln.variant_id, ln.quantity) for ln in cart.buyer_lines(a)] == [(ln.variant_id, ln.quantity)
                                                                          for ln in lines]


def test_a_remembered_block_looks_the_network_up_once_a_day(scenarios, monkeypatch):
    seen = []
    real = checkout.network_on

    def counted(day):
        seen.append(day)
        return real(day)

    monkeypatch.setattr(checkout, "network_on", counted)
    a, quantities, _ = scenarios[0]  # two sellers
    placement.buy(a, quantities, AU)
    assert len(seen) == 1  # one lookup for the quote's consignments
    with checkout_memo.remembered():
        for buyer, quantities, _ in scenarios[4:6]:
            placement.buy(buyer, quantities, AU)
    assert len(seen) == 2
