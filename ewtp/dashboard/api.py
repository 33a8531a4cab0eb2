"""GET /api/v1/dashboard/figures: the dashboard's figures as JSON (hub operators and analysts)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from ewtp.accounts.api_auth import actor_of
from ewtp.core.actor import Role
from ewtp.core.permissions import require_role
from ewtp.core.schemas import ERRORS, QueryInput
from ewtp.dashboard import figures as figs

router = Router(tags=["dashboard"])


class FiguresQuery(QueryInput):
    from_: str | None = Field(None, alias="from", description="first day, YYYY-MM-DD (default: 29 days ago)")
    to: str | None = Field(None, description="last day, inclusive, YYYY-MM-DD (default: today)")
    hub: str | None = Field(None, description="a logistics hub code, or 'none' for orders without a shipment")


@router.get("/figures", response={200: dict[str, Any], **ERRORS})
def figures(request: HttpRequest, params: Query[FiguresQuery]):
    require_role(actor_of(request), [Role.HUB_OPERATOR, Role.ANALYST])
    return figs.figures(figs.parse_filters(params.from_, params.to, params.hub))
