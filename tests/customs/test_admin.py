import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.core.models import AuditEntry
from ewtp.customs.models import RiskRule

pytestmark = pytest.mark.django_db


def test_operator_edits_risk_rules_in_the_back_office_with_audit(make_user):
    c = Client()
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.post("/admin/customs/riskrule/add/", {"kind": "random_sampling", "lane": "yellow", "params": '{"rate": "0.05"}',
                                                 "active": "on", "jurisdiction": "CN", "note": "5 %"})
    assert r.status_code == 302, r.content[:500]
    rule = RiskRule.objects.get()
    assert rule.params == {"rate": "0.05"}
    assert AuditEntry.objects.filter(action="customs.risk_rule.saved").count() == 1
    assert c.get("/admin/customs/declaration/").status_code == 200


def test_invalid_rule_is_refused_by_the_form(make_user):
    c = Client()
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.post("/admin/customs/riskrule/add/", {"kind": "random_sampling", "lane": "yellow", "params": '{"rate": "7"}',
                                                 "active": "on", "jurisdiction": "CN"})
    assert r.status_code == 200 and "params.rate" in r.content.decode()
    assert not RiskRule.objects.exists()
