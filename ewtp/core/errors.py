"""Errors that services raise; the API and pages turn each into one HTTP status and one shape:
{"error": {"code": ..., "message": ..., "fields": {field: [reasons]}}}."""

from __future__ import annotations


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    """A forbidden state change, or a clash with existing state."""

    status, code = 409, "conflict"


class ValidationFailed(AppError):
    """Well-formed input that breaks a rule: names the fields and why."""

    status, code = 422, "validation_failed"

    @classmethod
    def field(cls, name: str, reason: str) -> ValidationFailed:
        return cls(f"{name}: {reason}", fields={name: [reason]})


class RateLimited(AppError):
    status, code = 429, "rate_limited"
