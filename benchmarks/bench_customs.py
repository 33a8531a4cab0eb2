"""A busy zone's day: N parcels (3 documents each: order, payment, waybill) generated, bulk-loaded
into the hub's own tables (a throw-away SQLite database migrated with the real schema), reconciled
with the vectorised matcher, and the matched parcels declared (parcel + declaration rows, lanes).
Also: CEB311 parse + XSD-validate rate.

Size: EWTP_BENCH_CUSTOMS_PARCELS (default 1,000,000). Reconciliation runs on the columns of the
ingested batch (what a bulk ingest has in hand), not on rows read back from SQLite.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import queue
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
ALIAS = "customs_bench"
SCALE = 100_000


def _setup_db(path: str):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    connections.settings[ALIAS] = {
        "ENGINE": "django.db.backends.sqlite3", "NAME": path, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
        "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None, "TEST": {}, "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
    }
    call_command("migrate", database=ALIAS, verbosity=0, interactive=False)
    conn = connections[ALIAS]
    conn.ensure_connection()
    # a bulk loader's own connection: a bigger page cache so index pages are not spilled and
    # rewritten over and over (the hub's schema, WAL and synchronous=NORMAL are unchanged)
    conn.connection.execute("PRAGMA cache_size=-262144")
    return conn


def _close_db() -> None:
    from django.db import connections

    if ALIAS in connections.settings:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def generate(n: int, seed: int = 7) -> dict:
    """Columns for n parcels; about 3 % carry one discrepancy each (amount, consignee, payer, limit)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    goods = rng.integers(50, 3000, n) * SCALE + rng.integers(0, 100, n) * 1000  # RMB, 2 decimals
    freight = rng.integers(5, 60, n) * SCALE
    tax = (goods + freight) * 91 // 1000  # 9.1 %: CBEC VAT 13 % x 70 %
    tax -= tax % 1000
    discount = np.where(rng.random(n) < 0.1, 5 * SCALE, 0)
    paid = goods + freight + tax - discount
    amount = paid.copy()
    bad = rng.random(n)
    amount[bad < 0.01] += SCALE  # 1 %: payment differs from the order
    consignee_bad = (bad >= 0.01) & (bad < 0.015)  # 0.5 %: waybill consignee differs
    payer_bad = (bad >= 0.015) & (bad < 0.02)  # 0.5 %: buyer is not the payer
    goods[(bad >= 0.02) & (bad < 0.03)] = 4990 * SCALE  # 1 %: + freight over RMB 5,000
    paid = goods + freight + tax - discount
    amount = np.where(bad < 0.01, paid + SCALE, paid)
    order_no = np.char.add("EWTP", np.char.zfill(idx.astype(str), 10))
    buyer = np.char.add("3301061990", np.char.zfill((idx % 500_000).astype(str), 8))
    payer = np.where(payer_bad, "110101199001019999", buyer)
    consignee = np.full(n, "张三", dtype="<U8")
    w_consignee = np.where(consignee_bad, "王五", consignee)
    hs = np.array(["3304990099", "6403990090", "8517130000", "0402210000"])[idx % 4]
    return {"n": n, "order_no": order_no, "goods": goods, "freight": freight, "tax": tax, "discount": discount,
            "paid": paid, "amount": amount, "buyer": buyer, "payer": payer, "consignee": consignee,
            "w_consignee": w_consignee, "hs": hs, "pay_tx": np.char.add("P", order_no),
            "logistics_no": np.char.add("L", order_no)}


def _dec(units) -> str:
    v = int(units)
    return f"{v // SCALE}.{v % SCALE:05d}"


def _decs(col: np.ndarray) -> list[str]:
    return [f"{v // SCALE}.{v % SCALE:05d}" for v in col.tolist()]


TEL, ADDR = "13800000000", "浙江省杭州市余杭区文一西路969号"
CHUNK = 20_000
COMMIT_EVERY = int(os.environ.get("EWTP_BENCH_CUSTOMS_COMMIT_EVERY", "100000"))  # parcels per transaction


def _doc_rows(g: dict, now: str, lo: int, hi: int) -> list[tuple]:
    """Rows (kind, order_no, ..., fields JSON, digest) for the three documents of parcels lo..hi."""
    sha = hashlib.sha256
    cols = {k: g[k][lo:hi].tolist() for k in ("order_no", "buyer", "payer", "w_consignee", "hs")}
    amounts = {k: _decs(g[k][lo:hi]) for k in ("goods", "freight", "tax", "discount", "paid", "amount")}
    out = []
    for j in range(hi - lo):
        no, i = cols["order_no"][j], lo + j
        guid = f"{i:08X}-0000-4000-8000-{i:012X}"
        order = (f'{{"orderNo":"{no}","goodsValue":"{amounts["goods"][j]}","freight":"{amounts["freight"][j]}",'
                 f'"taxTotal":"{amounts["tax"][j]}","discount":"{amounts["discount"][j]}",'
                 f'"acturalPaid":"{amounts["paid"][j]}","currency":"142","buyerIdNumber":"{cols["buyer"][j]}",'
                 f'"payTransactionId":"P{no}","consignee":"张三","consigneeTelephone":"{TEL}",'
                 f'"consigneeAddress":"{ADDR}","lines":[{{"gnum":1,"itemName":"商品","hsCode":"{cols["hs"][j]}"}}]}}')
        payment = (f'{{"orderNo":"{no}","payTransactionId":"P{no}","amountPaid":"{amounts["amount"][j]}",'
                   f'"currency":"142","payerIdNumber":"{cols["payer"][j]}"}}')
        waybill = (f'{{"orderNo":"{no}","logisticsNo":"L{no}","currency":"142","consignee":"{cols["w_consignee"][j]}",'
                   f'"consigneeTelephone":"{TEL}","consigneeAddress":"{ADDR}","insuredFee":"0"}}')
        for kind, body in (("order", order), ("payment", payment), ("waybill", waybill)):
            out.append((kind, no, "CN", 1, 1, "1", guid, body, "json", "", sha(body.encode()).hexdigest(), "bench", now))
    return out


def _pipelined(raw, sql: str, n: int, make_chunk) -> None:
    """Build rows in a producer thread while SQLite inserts the previous chunk (the sqlite3 module
    releases the GIL while stepping, so on 2 cores building and writing overlap). One transaction
    per COMMIT_EVERY parcels, as a batch ingest would commit, so WAL checkpoints keep up."""
    q: queue.Queue = queue.Queue(maxsize=4)

    def produce() -> None:
        for lo in range(0, n, CHUNK):
            q.put(make_chunk(lo, min(lo + CHUNK, n)))
        q.put(None)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    per_tx = max(1, COMMIT_EVERY // CHUNK)
    done = False
    while not done:
        chunks = []
        for _ in range(per_tx):
            chunk = q.get()
            if chunk is None:
                done = True
                break
            chunks.append(chunk)
        if chunks:
            raw.execute("BEGIN")
            raw.executemany(sql, itertools.chain.from_iterable(chunks))
            raw.execute("COMMIT")
    worker.join()


def load(conn, g: dict) -> int:
    raw = conn.connection
    now = datetime.now(UTC).isoformat(sep=" ")
    _pipelined(raw, "INSERT INTO customs_tradedocument (kind, order_no, jurisdiction, version, current, app_type, "
               "guid, fields, body_format, xml, digest, pushed_by, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
               g["n"], lambda lo, hi: _doc_rows(g, now, lo, hi))
    return 3 * g["n"]


def reconcile(g: dict):
    from ewtp.customs.reconciliation_vec import Batch, reconcile_batch

    n = g["n"]
    yes = np.ones(n, dtype=bool)
    cny = np.full(n, "142")
    tel, addr = np.full(n, TEL), np.full(n, ADDR)
    empty = {"parcel": np.zeros(0, np.int64), "gnum": np.zeros(0, np.int64), "name": np.zeros(0, dtype=str)}
    b = Batch(has_order=yes, has_payment=yes, has_waybill=yes, has_inventory=np.zeros(n, dtype=bool),
              o={"order_no": g["order_no"], "currency": cny, "goods": g["goods"], "freight": g["freight"],
                 "tax": g["tax"], "discount": g["discount"], "paid": g["paid"], "pay_tx": g["pay_tx"],
                 "buyer_id": g["buyer"], "consignee": g["consignee"], "consignee_telephone": tel,
                 "consignee_address": addr},
              p={"order_no": g["order_no"], "currency": cny, "amount": g["amount"], "pay_tx": g["pay_tx"],
                 "payer_id": g["payer"]},
              w={"order_no": g["order_no"], "currency": cny, "logistics_no": g["logistics_no"],
                 "insured": np.zeros(n, np.int64), "consignee": g["w_consignee"], "consignee_telephone": tel,
                 "consignee_address": addr},
              i={"order_no": g["order_no"], "currency": cny, "logistics_no": g["logistics_no"]},
              ytd=np.zeros(n, np.int64), has_ytd=np.zeros(n, dtype=bool), ol=dict(empty), il=dict(empty))
    return reconcile_batch(b)


def declare(conn, g: dict, result, sampling_rate: float = 0.02) -> dict:
    """Parcels (all) and declarations (matched) in bulk; lanes: restricted HS 8517 -> red,
    random sampling -> yellow, else green (released)."""
    import json

    matched = result.matched
    n = g["n"]
    now = datetime.now(UTC).isoformat(sep=" ")
    raw = conn.connection
    rng = np.random.default_rng(11)
    lane = np.where(np.char.startswith(g["hs"], "8517"), "red", np.where(rng.random(n) < sampling_rate, "yellow", "green"))
    status = np.where(lane == "red", "500", np.where(lane == "yellow", "300", "800"))

    def parcel_rows(lo: int, hi: int) -> list[tuple]:
        nos, buyers, ok = g["order_no"][lo:hi].tolist(), g["buyer"][lo:hi].tolist(), matched[lo:hi].tolist()
        return [(lo + j + 1, nos[j], "CN", "matched" if ok[j] else "discrepancies",
                 "[]" if ok[j] else json.dumps([d.as_dict() for d in result.discrepancies(lo + j)], ensure_ascii=False),
                 buyers[j], 1, now, now) for j in range(hi - lo)]

    def declaration_rows(lo: int, hi: int) -> list[tuple]:
        ok = matched[lo:hi].tolist()
        buyers, hs, st, ln = (g["buyer"][lo:hi].tolist(), g["hs"][lo:hi].tolist(), status[lo:hi].tolist(),
                              lane[lo:hi].tolist())
        goods, freight, tax = _decs(g["goods"][lo:hi]), _decs(g["freight"][lo:hi]), _decs(g["tax"][lo:hi])
        value = _decs(g["goods"][lo:hi] + g["freight"][lo:hi])
        return [(lo + j + 1, f"CN{lo + j + 1:012d}", "CN", "9610", st[j], ln[j], "[]", "eWTP hub", "Seller Co",
                 buyers[j], "CNY", goods[j], freight[j], "0.00000", value[j], "0.00000", tax[j], "documents:taxTotal",
                 f'[{{"gnum":1,"hs_code":"{hs[j]}","value":"{goods[j]}"}}]', "", now, now)
                for j in range(hi - lo) if ok[j]]

    _pipelined(raw, "INSERT INTO customs_parcel (id, order_no, jurisdiction, status, discrepancies, buyer_id_number, "
               "checks, checked_at, created_at) VALUES (?,?,?,?,?,?,?,?,?)", n, parcel_rows)
    _pipelined(raw, "INSERT INTO customs_declaration (parcel_id, number, jurisdiction, regime, status, lane, "
               "lane_reasons, declarant, withholding_agent, buyer_id_number, currency, goods_value, freight, "
               "insured_fee, customs_value, duty, tax_total, tax_source, lines, reason, created_at, updated_at) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", n, declaration_rows)
    declared = int(matched.sum())
    lanes = {k: int(((lane == k) & matched).sum()) for k in ("green", "yellow", "red")}
    return {"parcels": n, "declarations": declared, "lanes": lanes}


def xml_rate(messages: int = 2000, seconds: float = 3.0) -> dict:
    from ewtp.customs.samples import TRANSFER, parcel
    from ewtp.customs.xml.parse import parse_message
    from ewtp.customs.xml.produce import message_for, produce

    bodies = [produce(message_for([parcel(i, lines=2)[0]], TRANSFER)) for i in range(messages)]
    parse_message(bodies[0])  # load the schema outside the timing
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        parse_message(bodies[done % messages])
        done += 1
    elapsed = time.perf_counter() - start
    return {"ceb311_parse_validate_per_s": round(done / elapsed, 1), "ceb311_bytes": len(bodies[0]),
            "target_per_s": 2000}


def run(limits: dict) -> dict:
    n = int(os.environ.get("EWTP_BENCH_CUSTOMS_PARCELS", "1000000"))
    tmp = tempfile.mkdtemp(prefix="ewtp-bench-customs-")
    figures: dict = {"parcels": n, "documents": 3 * n}
    try:
        t0 = time.perf_counter()
        conn = _setup_db(os.path.join(tmp, "customs.sqlite3"))
        figures["setup_schema_s"] = round(time.perf_counter() - t0, 2)
        stages = {}
        t = time.perf_counter()
        g = generate(n)
        stages["generate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        rows = load(conn, g)
        stages["load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        result = reconcile(g)
        stages["reconcile_s"] = time.perf_counter() - t
        t = time.perf_counter()
        declared = declare(conn, g, result)
        stages["declare_s"] = time.perf_counter() - t
        total = sum(stages.values())
        figures.update({k: round(v, 2) for k, v in stages.items()})
        figures["total_s"] = round(total, 2)
        figures["target_total_s"] = 60
        figures["matched"] = int(result.matched.sum())
        figures["discrepancies_by_rule"] = result.rule_counts()
        figures.update(declared)
        figures["load_rows_per_s"] = round(rows / stages["load_s"], 1)
        size = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))
        figures["database_mb"] = round(size / 2**20, 1)  # what the disk had to absorb (plus the WAL copies)
        raw_rate = limits.get("sqlite_bulk_insert_rows_per_s")
        if raw_rate:
            figures["load_vs_raw_sqlite_bulk_insert"] = round(rows / stages["load_s"] / raw_rate, 3)
            written = rows + n + declared["declarations"]
            figures["rows_written"] = written
            figures["raw_bulk_insert_time_for_same_rows_s"] = round(written / raw_rate, 2)
    finally:
        _close_db()
        shutil.rmtree(tmp, ignore_errors=True)
    figures.update(xml_rate())
    return figures


if __name__ == "__main__":
    import json
    import sys

    from benchmarks.limits import sqlite_insert_rate

    if len(sys.argv) > 1:
        os.environ["EWTP_BENCH_CUSTOMS_PARCELS"] = sys.argv[1]
    print(json.dumps(run({"sqlite_bulk_insert_rows_per_s": sqlite_insert_rate()}), indent=2, ensure_ascii=False))
