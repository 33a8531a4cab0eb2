"""Every row of every carrier code table maps to a normalised status, with a source."""

from __future__ import annotations

import csv

import pytest

from ewtp.logistics import codes
from ewtp.logistics.models.shipments import STATUSES


def _rows(name: str) -> list[dict]:
    with open(codes.CODES_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", codes.TABLES)
def test_every_row_maps_to_a_normalised_status(name):
    rows = _rows(name)
    assert rows, name
    for r in rows:
        assert list(r) == ["raw_code", "description", "status", "reason", "source"]
        assert r["status"] in STATUSES, r
        assert r["source"] and r["description"], r
        if r["status"] in ("exception", "delivery_failed"):
            assert r["reason"], f"{name} {r['raw_code']}: an exception needs its reason"
        assert codes.normalise(name, r["raw_code"].lower()).status == r["status"]
    assert len({r["raw_code"] for r in rows}) == len(rows)


def test_tables_cite_their_standards():
    assert {r["source"] for r in _rows("upu_emsevt")} == {"UPU M40 EMSEVT v3 (UPU Technical Standard, EMS event codes)"}
    assert "DCSA" in _rows("dcsa")[0]["source"] and "DHL Express" in _rows("dhl_express")[0]["source"]


def test_known_codes_of_the_plan():
    expect = {("upu_emsevt", "EMA"): "picked_up", ("upu_emsevt", "EMI"): "delivered",
              ("upu_emsevt", "EMH"): "delivery_failed", ("upu_emsevt", "EME"): "customs_hold",
              ("dhl_express", "PU"): "picked_up", ("dhl_express", "OK"): "delivered",
              ("dhl_express", "WC"): "out_for_delivery", ("dhl_express", "RT"): "returned_to_sender",
              ("dcsa", "DEPA"): "in_transit", ("dcsa", "DISC"): "at_hub",
              ("ewtp_hub", "CUS_REL"): "customs_cleared", ("ewtp_hub", "PRE"): "info_received"}
    for (table, code), status in expect.items():
        assert codes.normalise(table, code).status == status


def test_unknown_code_and_table():
    assert codes.normalise("dhl_express", "ZZ") is None
    with pytest.raises(KeyError):
        codes.table("fedex")


def test_a_bad_status_in_a_table_fails_loudly(tmp_path, monkeypatch):
    (tmp_path / "dcsa.csv").write_text("raw_code,description,status,reason,source\nX,x,teleported,,somewhere\n")
    monkeypatch.setattr(codes, "CODES_DIR", tmp_path)
    codes.table.cache_clear()
    try:
        with pytest.raises(ValueError, match="teleported"):
            codes.table("dcsa")
    finally:
        codes.table.cache_clear()
