"""Vectorised three-document reconciliation for a day of documents (NumPy columns).

Same rules, same discrepancies, same order as `reconciliation.reconcile` (a property test holds
them equal). Rows are parcels already aligned by the caller (row i holds parcel i's order,
payment, waybill and inventory head; `has_*` masks say which are present) so that a wrong
orderNo on one document is reported as `order_no_link`, exactly as the scalar version does;
`align()` does the usual alignment by orderNo. Amounts are int64 in units of 0.00001 (the
schema's 5 decimals), exact; strings are NumPy unicode arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ewtp.customs.codes import CNY
from ewtp.customs.reconciliation import ANNUAL_LIMIT, CONSIGNEE_FIELDS, SINGLE_LIMIT, Discrepancy
from ewtp.customs.xml.produce import fmt_decimal

SCALE = 100_000
MAX_UNITS = 9 * 10**17  # int64 head-room: amounts up to 9e12 RMB


def to_units(value: Decimal | None) -> int:
    if value is None:
        return 0
    units = value.scaleb(5)
    if units != units.to_integral_value() or abs(units) > MAX_UNITS:
        raise ValueError(f"amount {value} has more than 5 decimals or is out of range")
    return int(units)


def _amt(units: int) -> str:
    return fmt_decimal(Decimal(int(units)).scaleb(-5))


@dataclass
class Batch:
    """Aligned parcel columns (length n) plus order and inventory line columns."""

    has_order: np.ndarray
    has_payment: np.ndarray
    has_waybill: np.ndarray
    has_inventory: np.ndarray
    o: dict[str, np.ndarray]  # order_no currency goods freight tax discount paid pay_tx buyer_id consignee tel addr
    p: dict[str, np.ndarray]  # order_no currency amount pay_tx payer_id
    w: dict[str, np.ndarray]  # order_no currency logistics_no insured consignee tel addr
    i: dict[str, np.ndarray]  # order_no currency logistics_no
    ytd: np.ndarray  # int64 units
    has_ytd: np.ndarray
    ol: dict[str, np.ndarray] = field(default_factory=dict)  # parcel gnum name (order lines)
    il: dict[str, np.ndarray] = field(default_factory=dict)  # parcel gnum name (inventory lines)

    @property
    def n(self) -> int:
        return len(self.has_order)


def _u(values: Sequence) -> np.ndarray:
    return np.array([v if v is not None else "" for v in values], dtype=str)


def _i(values: Sequence) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def batch_from_documents(parcels: Sequence[tuple], ytd: Sequence[Decimal | None] | None = None) -> Batch:
    """[(order, payment, waybill, inventory)] -> Batch (missing documents are None)."""
    def col(idx: int, attr: str, amount: bool = False):
        vals = [getattr(p[idx], attr) if p[idx] is not None else None for p in parcels]
        return _i([to_units(v) for v in vals]) if amount else _u(vals)

    ol_rows = [(n, li.gnum, li.item_name) for n, p in enumerate(parcels) if p[0] is not None for li in p[0].lines]
    il_rows = [(n, li.gnum, li.gname) for n, p in enumerate(parcels) if p[3] is not None for li in p[3].lines]
    ytd = list(ytd) if ytd is not None else [None] * len(parcels)
    return Batch(
        has_order=np.array([p[0] is not None for p in parcels], dtype=bool),
        has_payment=np.array([p[1] is not None for p in parcels], dtype=bool),
        has_waybill=np.array([p[2] is not None for p in parcels], dtype=bool),
        has_inventory=np.array([p[3] is not None for p in parcels], dtype=bool),
        o={"order_no": col(0, "order_no"), "currency": col(0, "currency"), "goods": col(0, "goods_value", True),
           "freight": col(0, "freight", True), "tax": col(0, "tax_total", True),
           "discount": col(0, "discount", True), "paid": col(0, "actural_paid", True),
           "pay_tx": col(0, "pay_transaction_id"), "buyer_id": col(0, "buyer_id_number"),
           "consignee": col(0, "consignee"), "consignee_telephone": col(0, "consignee_telephone"),
           "consignee_address": col(0, "consignee_address")},
        p={"order_no": col(1, "order_no"), "currency": col(1, "currency"), "amount": col(1, "amount_paid", True),
           "pay_tx": col(1, "pay_transaction_id"), "payer_id": col(1, "payer_id_number")},
        w={"order_no": col(2, "order_no"), "currency": col(2, "currency"), "logistics_no": col(2, "logistics_no"),
           "insured": col(2, "insured_fee", True), "consignee": col(2, "consignee"),
           "consignee_telephone": col(2, "consignee_telephone"), "consignee_address": col(2, "consignee_address")},
        i={"order_no": col(3, "order_no"), "currency": col(3, "currency"), "logistics_no": col(3, "logistics_no")},
        ytd=_i([to_units(v) for v in ytd]), has_ytd=np.array([v is not None for v in ytd], dtype=bool),
        ol={"parcel": _i([r[0] for r in ol_rows]), "gnum": _i([r[1] for r in ol_rows]), "name": _u([r[2] for r in ol_rows])},
        il={"parcel": _i([r[0] for r in il_rows]), "gnum": _i([r[1] for r in il_rows]), "name": _u([r[2] for r in il_rows])},
    )


def _sorted_lines(lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not len(lines.get("parcel", [])):
        return {"parcel": np.zeros(0, np.int64), "gnum": np.zeros(0, np.int64), "name": np.zeros(0, dtype=str)}
    order = np.lexsort((lines["gnum"], lines["parcel"]))
    return {k: v[order] for k, v in lines.items()}


@dataclass
class VecResult:
    n: int
    found: dict[int, list[Discrepancy]]
    order_nos: np.ndarray

    @property
    def matched(self) -> np.ndarray:
        m = np.ones(self.n, dtype=bool)
        m[list(self.found)] = False
        return m

    def discrepancies(self, row: int) -> list[Discrepancy]:
        return self.found.get(row, [])

    def rule_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ds in self.found.values():
            for d in ds:
                counts[d.rule] = counts.get(d.rule, 0) + 1
        return counts


def reconcile_batch(b: Batch) -> VecResult:
    n = b.n
    found: dict[int, list[Discrepancy]] = {}

    def emit(mask: np.ndarray, make) -> None:
        for row in np.flatnonzero(mask):
            found.setdefault(int(row), []).append(make(int(row)))

    o, p, w, inv = b.o, b.p, b.w, b.i
    ho, hp, hw, hi = b.has_order, b.has_payment & b.has_order, b.has_waybill & b.has_order, b.has_inventory & b.has_order
    missing = {"expected": "present", "actual": "missing"}
    # missing documents come first, and an orderless parcel gets nothing else (as in the scalar version)
    rows_missing = ~(b.has_order & b.has_payment & b.has_waybill)
    for row in np.flatnonzero(rows_missing):
        r = int(row)
        for name, has in (("order", b.has_order), ("payment", b.has_payment), ("waybill", b.has_waybill)):
            if not has[r]:
                found.setdefault(r, []).append(Discrepancy(name, "missing_document", dict(missing)))

    for name, cols, has in (("order", o, ho), ("payment", p, hp), ("waybill", w, hw), ("inventory", inv, hi)):
        emit(has & (cols["currency"] != CNY),
             lambda r, name=name, cols=cols: Discrepancy(f"{name}.currency", "currency_cny",
                                                         {name: str(cols["currency"][r]), "required": CNY}))

    computed = o["goods"] + o["freight"] + o["tax"] - o["discount"]
    emit(ho & (computed != o["paid"]), lambda r: Discrepancy("acturalPaid", "paid_formula", {
        "order.acturalPaid": _amt(o["paid"][r]), "goodsValue+freight+taxTotal-discount": _amt(computed[r])}))
    emit(hp & (p["amount"] != o["paid"]), lambda r: Discrepancy("amountPaid", "paid_equals_payment", {
        "order.acturalPaid": _amt(o["paid"][r]), "payment.amountPaid": _amt(p["amount"][r])}))

    for name, cols, has in (("payment", p, hp), ("waybill", w, hw), ("inventory", inv, hi)):
        emit(has & (cols["order_no"] != o["order_no"]),
             lambda r, name=name, cols=cols: Discrepancy(f"{name}.orderNo", "order_no_link", {
                 "order": str(o["order_no"][r]), name: str(cols["order_no"][r])}))
    emit(hp & (o["pay_tx"] != p["pay_tx"]), lambda r: Discrepancy("payTransactionId", "pay_transaction_link", {
        "order": str(o["pay_tx"][r]), "payment": str(p["pay_tx"][r])}))
    emit(hw & hi & (w["logistics_no"] != inv["logistics_no"]), lambda r: Discrepancy(
        "logisticsNo", "logistics_no_link", {"waybill": str(w["logistics_no"][r]), "inventory": str(inv["logistics_no"][r])}))
    emit(hp & (o["buyer_id"] != p["payer_id"]), lambda r: Discrepancy("buyerIdNumber", "buyer_is_payer", {
        "order.buyerIdNumber": str(o["buyer_id"][r]), "payment.payerIdNumber": str(p["payer_id"][r])}))
    for xml_name, attr in CONSIGNEE_FIELDS:
        emit(hw & (o[attr] != w[attr]), lambda r, xml_name=xml_name, attr=attr: Discrepancy(
            xml_name, "consignee_match", {"order": str(o[attr][r]), "waybill": str(w[attr][r])}))

    _line_rules(b, hi, found)

    value = o["goods"] + o["freight"] + np.where(hw, w["insured"], 0)
    single = to_units(SINGLE_LIMIT)
    emit(ho & (value > single), lambda r: Discrepancy("transactionValue", "single_limit", {
        "transactionValue": _amt(value[r]), "limit": _amt(single)}))
    annual, total = to_units(ANNUAL_LIMIT), b.ytd + value
    emit(ho & b.has_ytd & (total > annual), lambda r: Discrepancy("annualTotal", "annual_limit", {
        "yearToDate+transactionValue": _amt(total[r]), "limit": _amt(annual)}))
    return VecResult(n, found, o["order_no"])


def _line_rules(b: Batch, hi: np.ndarray, found: dict[int, list[Discrepancy]]) -> None:
    ol, il = _sorted_lines(b.ol), _sorted_lines(b.il)
    oc = np.bincount(ol["parcel"], minlength=b.n)
    ic = np.bincount(il["parcel"], minlength=b.n)
    bad = hi & (oc != ic)
    # duplicate gnums on the order (adjacent after sorting, same parcel)
    dup = (ol["parcel"][1:] == ol["parcel"][:-1]) & (ol["gnum"][1:] == ol["gnum"][:-1])
    bad[ol["parcel"][1:][dup]] = True
    bad &= hi
    # where counts agree the two sorted line lists align element by element
    same = hi & ~bad
    osel, isel = same[ol["parcel"]], same[il["parcel"]]
    og, ig = ol["gnum"][osel], il["gnum"][isel]
    bad[ol["parcel"][osel][og != ig]] = True
    ok = hi & ~bad
    o_start = np.concatenate(([0], np.cumsum(oc)))
    i_start = np.concatenate(([0], np.cumsum(ic)))
    for row in np.flatnonzero(bad):
        r = int(row)
        og_r = ",".join(str(g) for g in ol["gnum"][o_start[r]:o_start[r + 1]])
        ig_r = ",".join(str(g) for g in il["gnum"][i_start[r]:i_start[r + 1]])
        found.setdefault(r, []).append(Discrepancy("gnum", "lines_one_to_one", {"order": og_r, "inventory": ig_r}))
    osel, isel = ok[ol["parcel"]], ok[il["parcel"]]
    parcels, gnums = il["parcel"][isel], il["gnum"][isel]
    onames, inames = ol["name"][osel], il["name"][isel]
    for k in np.flatnonzero(onames != inames):  # already in (parcel, gnum) order
        found.setdefault(int(parcels[k]), []).append(Discrepancy(
            f"gname[{int(gnums[k])}]", "lines_same_goods", {"order": str(onames[k]), "inventory": str(inames[k])}))


def align(order_nos: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Join document tables by orderNo: {'order': keys, 'payment': keys, ...} -> (the parcel keys,
    {table: row index into that table or -1 when absent}). The first occurrence wins."""
    keys = np.unique(np.concatenate(list(order_nos.values())))
    index = {}
    for name, col in order_nos.items():
        srt = np.argsort(col, kind="stable")
        pos = np.searchsorted(col[srt], keys)
        pos_c = np.minimum(pos, max(len(col) - 1, 0))
        hit = (pos < len(col)) & (col[srt][pos_c] == keys) if len(col) else np.zeros(len(keys), bool)
        index[name] = np.where(hit, srt[pos_c] if len(col) else 0, -1)
    return keys, index
