"""The HTTP API at /api/v1: one NinjaAPI, one error shape, routers from each domain."""

from __future__ import annotations

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ewtp.accounts.api import router as accounts_router
from ewtp.accounts.api_auth import AUTH
from ewtp.core.errors import AppError, BadRequest, Forbidden, NotFound, Unauthorized, ValidationFailed
from ewtp.core.http import error_response
from ewtp.customs.api import router as customs_router
from ewtp.dashboard.api import router as dashboard_router
from ewtp.logistics.api_ops import router as logistics_ops_router
from ewtp.logistics.api_quotes import router as logistics_quotes_router
from ewtp.logistics.api_tracking import router as logistics_tracking_router
from ewtp.market.api import router as market_router
from ewtp.market.api_orders import router as orders_router
from ewtp.payments.api import router as payments_router
from ewtp.rules.api import router as rules_router
from ewtp.rules.quote_api import router as quotes_router

api = NinjaAPI(
    title="eWTP hub API",
    version="1",
    description="Electronic World Trade Platform hub. Every mutating call needs an `Idempotency-Key` header. "
    "Authenticate with `Authorization: Bearer <partner token>` or a signed-in session (with CSRF token).",
    urls_namespace="api",
    docs_url="/docs",
    auth=AUTH,
)


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    # ninja nests a body under the parameter's name: ("body", "payload", "field", ...)
    if len(parts) > 2 and parts[0] == "body":
        parts = parts[2:]
    elif len(parts) > 1 and parts[0] in {"query", "path", "header", "cookie", "body", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(str(err.get("msg", "invalid")))
    summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
    return error_response(ValidationFailed(f"invalid input — {summary}", fields=fields))


@api.exception_handler(AppError)
def _app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    resp = error_response(Unauthorized("authentication required: a valid bearer token or a signed-in session"))
    resp["WWW-Authenticate"] = "Bearer"
    return resp


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    classes = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound}
    cls = classes.get(exc.status_code, AppError)
    err = cls(str(exc) if not str(exc).startswith("Cannot parse request body") else "the request body is not valid JSON")
    err.status = exc.status_code
    if exc.status_code == 403 and "CSRF" in str(exc):
        err.code = "csrf_failed"
    return error_response(err)


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # Backstop: a number too large for the database's integers cannot name an existing object.
    return error_response(NotFound("not found: a number in the request is out of range"))


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Backstop: input the database cannot store (a NUL byte in a path, say) is the caller's error.
    return error_response(ValidationFailed("the request contains a value the database cannot store",
                                           code="unstorable_value"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(NotFound(str(exc) or "not found"))


api.add_router("/accounts", accounts_router)
api.add_router("/reference", rules_router)
api.add_router("/quotes", quotes_router)
api.add_router("/market", market_router)
api.add_router("/market", orders_router)
api.add_router("/payments", payments_router)
api.add_router("/customs", customs_router)
api.add_router("/logistics", logistics_ops_router)
api.add_router("/logistics", logistics_quotes_router)
api.add_router("/dashboard", dashboard_router)

api.add_router("/logistics", logistics_tracking_router)
