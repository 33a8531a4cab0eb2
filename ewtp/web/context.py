"""Navigation by role for the base layout."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ewtp.core.actor import Role

# (url name, label, roles that see it; empty = everyone)
NAV = [
    ("web:home", _("Home"), ()),
    ("market:catalogue", _("Catalogue"), ()),
    ("market:cart", _("Cart"), (Role.BUYER,)),
    ("market:my-orders", _("My orders"), (Role.BUYER,)),
    ("market:seller-console", _("Seller console"), (Role.SELLER,)),
    ("market:seller-account", _("Seller account"), (Role.SELLER,)),
    ("market:operator-sellers", _("Sellers"), (Role.HUB_OPERATOR,)),
    ("rules:hs-browser", _("HS codes"), ()),
    ("rules:jurisdictions", _("Rules"), ()),
    ("rules:calculator", _("Landed cost"), ()),
    ("payments:seller-balances", _("Balances"), (Role.SELLER,)),
    ("payments:operator-ledger", _("Ledger"), (Role.HUB_OPERATOR,)),
    ("payments:operator-reconciliation", _("Reconciliation"), (Role.HUB_OPERATOR,)),
    ("payments:operator-refunds", _("Failed refunds"), (Role.HUB_OPERATOR,)),
    ("dashboard:dashboard", _("Dashboard"), (Role.HUB_OPERATOR, Role.ANALYST)),
    ("customs:queue", _("Customs queue"), (Role.CUSTOMS_OFFICER, Role.HUB_OPERATOR)),
    ("customs:declarations", _("Declarations"), (Role.CUSTOMS_OFFICER, Role.HUB_OPERATOR)),
    ("customs:returns", _("Tax returns"), (Role.CUSTOMS_OFFICER, Role.HUB_OPERATOR)),
    ("logistics:my-shipments", _("Returns and claims"), (Role.BUYER,)),
    ("logistics:seller-returns", _("Returns"), (Role.SELLER,)),
    ("logistics:operator-claims", _("Claims"), (Role.HUB_OPERATOR,)),
    ("logistics:track-find", _("Track a parcel"), (Role.BUYER,)),
    ("logistics:network", _("Network"), (Role.HUB_OPERATOR,)),
    ("accounts:operator-organisations", _("Organisations"), (Role.HUB_OPERATOR,)),
    ("accounts:operator-tokens", _("API tokens"), (Role.HUB_OPERATOR,)),
    ("admin:index", _("Back office"), (Role.HUB_OPERATOR,)),
    ("api-docs", _("API"), ()),
]


ROLE_LABELS = {
    Role.BUYER: _("Buyer"),
    Role.SELLER: _("Seller"),
    Role.HUB_OPERATOR: _("Hub operator"),
    Role.CUSTOMS_OFFICER: _("Customs officer"),
    Role.LOGISTICS_PARTNER: _("Logistics partner"),
    Role.PAYMENT_PARTNER: _("Payment partner"),
    Role.ANALYST: _("Analyst"),
}


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, roles in NAV
        if not roles or role in roles
    ]
    role_label = ROLE_LABELS.get(role or "", "")
    return {"nav_items": items, "role_label": role_label, "languages": settings.LANGUAGES}
