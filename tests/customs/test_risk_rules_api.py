"""PUT /customs/risk-rules/{id} keeps the rule's jurisdiction (it was rewritten to CN), rules can
be made for any jurisdiction, and a note longer than its column is a field error."""

from ewtp.core.actor import Role
from ewtp.customs.models import RiskRule


def test_update_keeps_jurisdiction_of_non_cn_rule(make_user, api_as):
    operator = api_as(make_user(Role.HUB_OPERATOR))
    officer_jp = api_as(make_user(Role.CUSTOMS_OFFICER, jurisdiction="JP"))
    rule = RiskRule.objects.create(kind="random_sampling", lane="yellow", params={"rate": "0.1"}, jurisdiction="JP")
    assert [r["id"] for r in officer_jp.get("/customs/risk-rules").json()] == [rule.pk]

    r = operator.put(f"/customs/risk-rules/{rule.pk}",
                     {"kind": "random_sampling", "lane": "yellow", "params": {"rate": "0.2"}, "note": "tune"})
    assert r.status_code == 200, r.content
    rule.refresh_from_db()
    # the JP rule stays JP's: JP's risk engine still applies it
    assert rule.jurisdiction == "JP", r.json()
    assert [x["id"] for x in officer_jp.get("/customs/risk-rules").json()] == [rule.pk]


def test_rule_note_longer_than_column_is_a_field_error(make_user, api_as):
    """RiskRuleIn.note has no max_length while RiskRule.note is CharField(max_length=200): SQLite
    stores 300 characters, PostgreSQL raises DataError (a generic 422 without the field)."""
    operator = api_as(make_user(Role.HUB_OPERATOR))
    r = operator.post("/customs/risk-rules", {"kind": "random_sampling", "lane": "yellow",
                                              "params": {"rate": "0.1"}, "note": "n" * 300})
    assert r.status_code in (400, 422), r.status_code
    assert "note" in r.json()["error"]["fields"], r.json()
    assert not RiskRule.objects.exists()
