"""Who is asking: a signed-in user or a partner API token, reduced to what access checks need."""

from __future__ import annotations

from dataclasses import dataclass, field


class Role:
    BUYER = "buyer"
    SELLER = "seller"
    HUB_OPERATOR = "hub_operator"
    CUSTOMS_OFFICER = "customs_officer"
    LOGISTICS_PARTNER = "logistics_partner"
    PAYMENT_PARTNER = "payment_partner"
    ANALYST = "analyst"

    CHOICES = [
        (BUYER, "Buyer"),
        (SELLER, "Seller"),
        (HUB_OPERATOR, "Hub operator"),
        (CUSTOMS_OFFICER, "Customs officer"),
        (LOGISTICS_PARTNER, "Logistics partner"),
        (PAYMENT_PARTNER, "Payment partner"),
        (ANALYST, "Analyst"),
    ]
    ALL = [c for c, _ in CHOICES]


@dataclass(frozen=True)
class Actor:
    """`user_id` is None for a partner token; `org_ids` are the organisations it acts for."""

    role: str
    user_id: int | None = None
    org_ids: frozenset[int] = field(default_factory=frozenset)
    jurisdiction: str = ""
    token_id: int | None = None
    label: str = ""

    @property
    def is_operator(self) -> bool:
        return self.role == Role.HUB_OPERATOR

    @property
    def audit_name(self) -> str:
        if self.token_id is not None:
            return f"token:{self.token_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return "system"


SYSTEM = Actor(role=Role.HUB_OPERATOR, label="system")
