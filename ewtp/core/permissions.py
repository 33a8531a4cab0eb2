"""The one object-level access check every service and API uses.

An object says who may see it by implementing `access_scope()`, returning an `AccessScope`:
the owning user, the owning organisation, and/or the jurisdiction it belongs to. The hub
operator sees everything; others see what they own, or (customs officers) what belongs to
their jurisdiction. A denied read looks like "not found" so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Forbidden, NotFound


@dataclass(frozen=True)
class AccessScope:
    user_id: int | None = None
    org_id: int | None = None
    # further organisations with a part in the object (e.g. the carriers of a shipment's legs)
    other_org_ids: frozenset[int] = frozenset()
    jurisdiction: str | None = None
    # roles that may see every object of this kind (e.g. analysts on aggregated data)
    open_to_roles: frozenset[str] = frozenset()


class Scoped(Protocol):
    def access_scope(self) -> AccessScope: ...


def can_access(actor: Actor, obj: Scoped) -> bool:
    if actor.is_operator:
        return True
    scope = obj.access_scope()
    if actor.role in scope.open_to_roles:
        return True
    if scope.user_id is not None and actor.user_id == scope.user_id:
        return True
    if scope.org_id is not None and scope.org_id in actor.org_ids:
        return True
    if not scope.other_org_ids.isdisjoint(actor.org_ids):
        return True
    return bool(scope.jurisdiction and actor.role == Role.CUSTOMS_OFFICER and actor.jurisdiction == scope.jurisdiction)


def require_access(actor: Actor, obj: Scoped, *, hide: bool = True) -> None:
    """Raise if `actor` may not touch `obj`: 404 by default (hides existence), 403 when hide=False."""
    if not can_access(actor, obj):
        if hide:
            raise NotFound(f"{type(obj).__name__} not found")
        raise Forbidden(f"you may not access this {type(obj).__name__}")


def require_role(actor: Actor, roles: Iterable[str]) -> None:
    allowed = set(roles)
    if actor.role not in allowed and not actor.is_operator:
        raise Forbidden(f"this needs the role {' or '.join(sorted(allowed))}")


def get_accessible(actor: Actor, queryset, what: str, **lookup):
    """The object matching `lookup` that `actor` may access; 404 when it does not exist or belongs
    to someone else (the two are indistinguishable on purpose). `queryset` may be a model."""
    manager = getattr(queryset, "objects", queryset)
    found = manager.filter(**lookup)
    # by primary key at most one row matches: no ORDER BY to build (half the cost of the lookup)
    obj = next(iter(found.order_by()[:1]), None) if lookup and lookup.keys() <= {"pk", "id"} else found.first()
    if obj is None or not can_access(actor, obj):
        raise NotFound(f"{what} not found")
    return obj
