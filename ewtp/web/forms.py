"""Shared form helpers for pages."""

from __future__ import annotations

from django import forms

from ewtp.core.errors import AppError


def apply_errors(form: forms.Form, err: AppError) -> None:
    """Show a service's field errors on the form (unknown fields as form-wide errors)."""
    for field, reasons in (err.fields or {"__all__": [err.message]}).items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)
