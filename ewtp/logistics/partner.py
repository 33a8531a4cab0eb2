"""The hub's own logistics system as a partner: customs takes a waybill only from a logistics
partner's system (a token, never a session), so in-process pushes act as the EWTPHUB carrier's
organisation through an internal token. Its secret is never kept or shown — nobody can present it
from outside; it exists so the push is attributed and audited like any partner's."""

from __future__ import annotations

import hashlib
import secrets

from ewtp.accounts.models import ApiToken, User
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict
from ewtp.logistics.models import Carrier

TOKEN_NAME = "in-process waybill pushes (secret discarded)"


def hub_logistics_actor(on_behalf_of: Actor) -> Actor:
    carrier = Carrier.objects.select_related("organisation").filter(code=Carrier.HUB).first()
    if carrier is None or carrier.organisation is None:
        raise Conflict("the hub network is not loaded (ewtp logistics network load)", code="network_not_loaded")
    org = carrier.organisation
    token = ApiToken.objects.filter(organisation=org, name=TOKEN_NAME, revoked_at__isnull=True).first()
    if token is None:
        creator = on_behalf_of.user_id or User.objects.filter(role=Role.HUB_OPERATOR).values_list(
            "pk", flat=True).order_by("pk").first()
        if creator is None:
            raise Conflict("no hub operator account to own the hub's logistics token", code="no_operator")
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(organisation=org, name=TOKEN_NAME, prefix="internal",
                                        digest=hashlib.sha256(secret.encode()).hexdigest(), created_by_id=creator)
    return Actor(role=Role.LOGISTICS_PARTNER, org_ids=frozenset({org.pk}), token_id=token.pk,
                 label=f"{carrier.name} (in-process)")
