"""Base API schemas: inputs refuse unknown fields and over-long strings."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Path, Schema
from pydantic import ConfigDict, field_validator


def _storable(value: Any) -> Any:
    """Text a database can store: no NUL character (PostgreSQL refuses it) and no lone UTF-16
    surrogate (not valid Unicode). Checked inside lists and dicts too."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain the NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _storable(k)
            _storable(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _storable(v)
    return value


class QueryInput(Schema):
    """Query-string parameters: unknown ones are ignored (cache busters), text must be storable."""

    model_config = ConfigDict(str_max_length=2000, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _storable(value)


class Input(QueryInput):
    """Request bodies: unknown fields are refused as well."""

    model_config = ConfigDict(extra="forbid", str_max_length=2000, str_strip_whitespace=True)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


# Object ids in paths: positive and within a 64-bit integer, so no database is asked for an id
# it cannot even represent.
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Path(gt=0, le=MAX_ID)]
