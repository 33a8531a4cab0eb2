import json

from typer.testing import CliRunner

from ewtp.cli import app


def test_network_load_is_idempotent_and_quote_prints_route_and_json(network):
    runner = CliRunner()
    r = runner.invoke(app, ["logistics", "network", "load"])
    assert r.exit_code == 0 and "3 hubs, 6 carriers" in r.output and "(0 rows created or changed)" in r.output
    r = runner.invoke(app, ["logistics", "quote", "--from", "MY", "--to", "AU", "--weight", "1.2", "--dims", "30x20x10",
                            "--date", "2026-03-02"])
    assert r.exit_code == 0, r.output
    assert "MY -> AU on 2026-03-02 (cheapest)" in r.output and "POSMY" in r.output and "KUL->AU" in r.output
    r = runner.invoke(app, ["logistics", "quote", "--from", "MY", "--to", "AU", "--weight", "1.2", "--json",
                            "--fastest", "--currency", "EUR", "--date", "2026-03-02"])
    q = json.loads(r.output)
    assert q["currency"] == "EUR" and q["prefer"] == "fastest" and q["legs"][-1]["carrier"] == "DHLX"


def test_bad_dimensions_are_refused(network):
    r = CliRunner().invoke(app, ["logistics", "quote", "--from", "MY", "--to", "AU", "--weight", "1", "--dims", "30x20"])
    assert r.exit_code != 0 and "LxWxH" in r.output
