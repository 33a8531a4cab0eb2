"""`ewtp customs check` through the real entry point (a subprocess, no database needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ewtp.customs.xml.produce import message_for, produce
from ewtp.customs.xml.safe import SCHEMA_DIR
from tests.customs.factories import TRANSFER, parcel


def ewtp(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWTP_")}
    env.update({"EWTP_VAR_DIR": str(tmp_path), "EWTP_CUSTOMS_SIGNING_KEY": os.environ["EWTP_CUSTOMS_SIGNING_KEY"],
                "EWTP_CUSTOMS_SIGNING_CERT": os.environ["EWTP_CUSTOMS_SIGNING_CERT"]})
    return subprocess.run([sys.executable, "-m", "ewtp.cli", "customs", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def write(tmp_path, docs):
    paths = []
    for name, doc in zip(["order", "payment", "waybill", "inventory"], docs, strict=False):
        p = tmp_path / f"{name}.xml"
        p.write_bytes(produce(message_for([doc], TRANSFER)))
        paths.append(str(p))
    return paths


def test_check_matched(tmp_path):
    r = ewtp(tmp_path, "check", *write(tmp_path, parcel(1)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "matched"
    r = ewtp(tmp_path, "check", "--json", *write(tmp_path, parcel(1)[:3]))
    assert r.returncode == 0 and json.loads(r.stdout) == {"status": "matched", "discrepancies": []}


def test_check_discrepancies_json_and_text(tmp_path):
    o, p, w, i = parcel(2)
    p.amount_paid += 1
    i.logistics_no = "OTHER"
    paths = write(tmp_path, [o, p, w, i])
    r = ewtp(tmp_path, "check", "--json", *paths)
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["status"] == "discrepancies"
    assert [d["rule"] for d in out["discrepancies"]] == ["paid_equals_payment", "logistics_no_link"]
    assert out["discrepancies"][0] == {"field": "amountPaid", "rule": "paid_equals_payment",
                                       "values": {"order.acturalPaid": "229.34", "payment.amountPaid": "230.34"}}
    text = ewtp(tmp_path, "check", *paths)
    assert text.returncode == 1 and "amountPaid  [paid_equals_payment]" in text.stdout


def test_check_annual_limit_with_year_to_date(tmp_path):
    paths = write(tmp_path, parcel(3)[:3])
    r = ewtp(tmp_path, "check", "--json", "--year-to-date", "25900", *paths)
    assert r.returncode == 1 and json.loads(r.stdout)["discrepancies"][0]["rule"] == "annual_limit"


def test_check_invalid_xml_lists_violations(tmp_path):
    paths = write(tmp_path, parcel(4)[:3])
    bad = (tmp_path / "payment.xml").read_bytes().replace(b"<ceb:currency>142", b"<ceb:currency>14")
    (tmp_path / "payment.xml").write_bytes(bad)
    r = ewtp(tmp_path, "check", "--json", *paths)
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert out["status"] == "invalid" and out["violations"][0]["element"].endswith("ceb:currency")
    r = ewtp(tmp_path, "check", *paths)
    assert r.returncode == 2 and "payment.xml: line" in r.stdout


@pytest.mark.parametrize("swap", [True])
def test_check_wrong_message_kind_and_official_samples(tmp_path, swap):
    samples = [str(SCHEMA_DIR / f"{n}.xml") for n in ("CEB311", "CEB411", "CEB511", "CEB621")]
    r = ewtp(tmp_path, "check", "--json", *samples)
    # the official samples are schema-valid but not business-consistent
    assert r.returncode == 1 and json.loads(r.stdout)["status"] == "discrepancies"
    r = ewtp(tmp_path, "check", samples[1], samples[0], samples[2])
    assert r.returncode == 2 and "expected a order message" in r.stdout
