"""Tax returns API: the hub operator builds, files and pays; customs officers read their
jurisdiction's returns (others: 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from ewtp.accounts.api_auth import actor_of
from ewtp.core.schemas import ERRORS, Input
from ewtp.customs import returns
from ewtp.customs.returns_export import as_csv, as_json

router = Router(tags=["customs"])


class BuildIn(Input):
    period: str
    jurisdiction: str | None = None


class ReturnOut(Schema):
    id: int
    jurisdiction: str
    scheme: str
    scheme_name: str
    period: str
    period_start: str
    period_end: str
    currency: str
    status: str
    fx: dict[str, Any]
    totals: list[dict[str, Any]]
    duty_total: str
    tax_total: str
    payable: dict[str, Any]
    settlement_tx: int | None
    filed_at: str | None
    paid_at: str | None
    lines: list[dict[str, Any]]


class BuiltOut(Schema):
    built: list[ReturnOut]
    kept: list[ReturnOut]


@router.get("", response={200: list[ReturnOut], **ERRORS})
def list_returns(request: HttpRequest):
    return [as_json(r) for r in returns.visible_returns(actor_of(request)).prefetch_related("lines")]


@router.post("/build", response={200: BuiltOut, **ERRORS})
def build(request: HttpRequest, payload: BuildIn):
    """Build (or rebuild, while draft) the returns of a period: `2026-11` (monthly schemes, and the
    quarter's draft) or `2026-Q4`."""
    built, kept = returns.build(actor_of(request), payload.period, payload.jurisdiction or None)
    return {"built": [as_json(r) for r in built], "kept": [as_json(r) for r in kept]}


@router.get("/{return_id}", response={200: ReturnOut, **ERRORS})
def get_return(request: HttpRequest, return_id: int):
    return as_json(returns.get_return(actor_of(request), return_id))


@router.get("/{return_id}/export.csv", response={200: str, **ERRORS},
            openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}})
def export_csv(request: HttpRequest, return_id: int):
    ret = returns.get_return(actor_of(request), return_id)
    resp = HttpResponse(as_csv(ret), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{ret.scheme}-{ret.jurisdiction}-{ret.period}.csv"'
    return resp


@router.get("/{return_id}/export.json", response={200: ReturnOut, **ERRORS})
def export_json(request: HttpRequest, return_id: int):
    return as_json(returns.get_return(actor_of(request), return_id))


@router.post("/{return_id}/file", response={200: ReturnOut, **ERRORS})
def file_return(request: HttpRequest, return_id: int):
    return as_json(returns.file_return(actor_of(request), return_id))


@router.post("/{return_id}/pay", response={200: ReturnOut, **ERRORS})
def pay_return(request: HttpRequest, return_id: int):
    """Paid: settles the payable accounts in the ledger (payable -> the provider's clearing)."""
    return as_json(returns.pay_return(actor_of(request), return_id))
