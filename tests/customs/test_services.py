from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ewtp.customs.cli import app
from ewtp.customs.xml.parse import parse_message
from ewtp.customs.xml.safe import parse_and_validate
from ewtp.customs.xml.sign import verify_tree

pytestmark = pytest.mark.django_db


def test_messages_for_a_stored_parcel(push_parcel, tmp_path):
    _, docs = push_parcel(31)
    result = CliRunner().invoke(app, ["messages", docs[0].order_no, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name, doc in zip(["CEB311", "CEB411", "CEB511", "CEB621"], docs, strict=True):
        data = (tmp_path / f"{name}.xml").read_bytes()
        msg = parse_message(data)  # valid against the XSD
        assert msg.documents[0].order_no == doc.order_no
    verify_tree(parse_and_validate((tmp_path / "CEB621.xml").read_bytes()))


def test_messages_need_all_four_documents(push_parcel, tmp_path):
    _, docs = push_parcel(32, inventory=False)
    result = CliRunner().invoke(app, ["messages", docs[0].order_no, "--out", str(tmp_path)])
    assert result.exit_code != 0 and "inventory" in str(result.exception)


def test_change_after_release_is_refused(push_parcel, parties):
    from ewtp.customs.jsondocs import to_json

    _, docs = push_parcel(33)  # no rules: green, released
    changed = to_json(docs[2])
    changed.update(appType="2", consignee="王五")
    r = parties.logistics.post("/customs/documents/waybill", changed)
    assert r.status_code == 409


def test_change_before_release_sends_declaration_to_review(push_parcel, parties):
    from ewtp.customs.jsondocs import to_json
    from ewtp.customs.models import Declaration

    parties.operator.post("/customs/risk-rules", {"kind": "restricted_goods", "lane": "red",
                                                  "params": {"hs_prefixes": ["3304"]}})
    _, docs = push_parcel(34)
    decl = Declaration.objects.get(parcel__order_no=docs[0].order_no)
    assert (decl.lane, decl.status) == ("red", "500")
    changed = to_json(docs[2])
    changed.update(appType="2", consignee="王五")
    r = parties.logistics.post("/customs/documents/waybill", changed)
    assert r.status_code == 200 and r.json()["results"][0]["parcel"]["status"] == "discrepancies"
    decl.refresh_from_db()
    assert decl.status == "300" and decl.events.last().action == "documents_changed"
