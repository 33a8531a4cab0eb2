"""`ewtp quote` and `ewtp rules validate` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.rules.helpers import req


def _ewtp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from ewtp.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60)


def test_quote_json_and_table(tmp_path):
    f = tmp_path / "q.json"
    f.write_text(json.dumps(req("GB", "GBP", [("610910", 3, "20.00")], shipping="5.00", regs=["GB-VAT"])))
    r = _ewtp("quote", str(f), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["totals"]["tax"] == "13.00"
    t = _ewtp("quote", str(f))
    assert t.returncode == 0 and "GB-SUPPLY-VAT" in t.stdout and "13.00" in t.stdout


def test_bad_input_one_line_non_zero(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(req("GB", "GBP", [("610910", 0, "20.00")])))
    r = _ewtp("quote", str(f))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "lines.0.quantity" in r.stderr
    f.write_text("{oops")
    r = _ewtp("quote", str(f))
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "not valid JSON" in r.stderr


def test_rules_validate_passes():
    r = _ewtp("rules", "validate")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all valid" in r.stdout
