"""Test stand-in for the logistics domain: pushes the waybill of a marketplace order the way
ewtp/logistics does when it creates the shipment (ewtp.customs.intake.push_waybill, as a
logistics partner organisation's system)."""

from __future__ import annotations

from decimal import Decimal

from ewtp.accounts.models import Organisation
from ewtp.core.actor import Actor, Role
from ewtp.customs import intake
from ewtp.customs.services import PushResult


def logistics_partner() -> Actor:
    org, _ = Organisation.objects.get_or_create(kind=Organisation.LOGISTICS, name="Test Courier",
                                                defaults={"country": "MY"})
    return Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({org.pk}), label="test courier")


def push_test_waybill(order, **changes) -> PushResult:
    fields = {"logistics_code": "TESTCOURIER", "logistics_name": "Test Courier", "weight": Decimal("0.40"),
              "logistics_no": f"TC{order.pk:010d}", "freight": order.shipping, "insured_fee": Decimal(0), **changes}
    return intake.push_waybill(logistics_partner(), order.reference, **fields)
