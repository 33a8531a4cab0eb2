"""The `ewtp` command end to end, in a subprocess with its own database under a temp var dir."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("EWTP_DATABASE_URL", "").startswith("postgres"),
                                reason="runs the CLI on its own SQLite file")


def ewtp(tmp_path, *args, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("EWTP_")}
    e.update({"EWTP_VAR_DIR": str(tmp_path), "EWTP_PASSWORD": "a-very-long-password-1"}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "ewtp.cli", *args], env=e, capture_output=True, text=True,
                          timeout=300)  # a demo on a busy 2-core machine


def test_demo_check_audit_and_errors(tmp_path):
    r = ewtp(tmp_path, "demo", "--no-serve", "--orders", "60", "--buyers", "200")
    assert r.returncode == 0, r.stderr
    assert "operator" in r.stdout and "customs_officer" in r.stdout and "API token for" in r.stdout
    assert (tmp_path / "secret_key").exists() and oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"

    # the accounts a newcomer signs in with look at the trading day, not at empty organisations
    con = sqlite3.connect(tmp_path / "ewtp.sqlite3")
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM market_order o JOIN accounts_user u ON u.id = o.buyer_id "
               "WHERE u.username = 'buyer'") >= 1
    assert one("SELECT count(*) FROM market_product p JOIN accounts_membership m ON m.organisation_id = p.seller_id "
               "JOIN accounts_user u ON u.id = m.user_id WHERE u.username = 'seller'") >= 1
    assert one("SELECT c.code FROM logistics_carrier c JOIN accounts_membership m "
               "ON m.organisation_id = c.organisation_id JOIN accounts_user u ON u.id = m.user_id "
               "WHERE u.username = 'logistics'") == "EWTPHUB"
    con.close()

    again = ewtp(tmp_path, "demo", "--no-serve", "--orders", "5", "--buyers", "200")
    assert "exists; password shown when created" in again.stdout

    tick = ewtp(tmp_path, "jobs")  # one tick of the scheduled work; the day left nothing undone twice
    assert tick.returncode == 0, tick.stderr
    assert {"webhooks_delivered", "payments_captured", "orders_paid", "escrows_released"} <= json.loads(tick.stdout).keys()

    check = ewtp(tmp_path, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SQLite journal mode: wal" in check.stdout

    ok = ewtp(tmp_path, "createuser", "officer-my", "--role", "customs_officer", "--jurisdiction", "MY")
    assert ok.returncode == 0 and "created customs_officer officer-my" in ok.stdout

    bad_role = ewtp(tmp_path, "createuser", "x", "--role", "emperor")
    assert bad_role.returncode == 1 and bad_role.stderr.strip().startswith("error: unknown role")
    assert len(bad_role.stderr.strip().splitlines()) == 1

    dup = ewtp(tmp_path, "createuser", "officer-my", "--role", "buyer")
    assert dup.returncode == 1 and "username: already taken" in dup.stderr

    assert ewtp(tmp_path, "audit", "verify").returncode == 0
    con = sqlite3.connect(tmp_path / "ewtp.sqlite3")
    con.execute("UPDATE core_auditentry SET actor = 'someone-else' WHERE seq = 2")
    con.commit()
    con.close()
    tampered = ewtp(tmp_path, "audit", "verify")
    assert tampered.returncode == 1 and "#2 was altered" in tampered.stderr


def test_bad_database_url_is_one_line(tmp_path):
    r = ewtp(tmp_path, "check", env={"EWTP_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert r.returncode == 1
    assert "FAIL database unreachable" in r.stdout or r.stderr.startswith("error:")


def test_help_everywhere(tmp_path):
    for args in (["--help"], ["demo", "--help"], ["audit", "--help"], ["createuser", "--help"]):
        r = ewtp(tmp_path, *args)
        assert r.returncode == 0 and "Usage" in r.stdout
