"""The single JSON error shape at the HTTP edge."""

from __future__ import annotations

from django.http import JsonResponse

from ewtp.core.errors import AppError


def error_response(err: AppError) -> JsonResponse:
    return JsonResponse(err.as_dict(), status=err.status)
