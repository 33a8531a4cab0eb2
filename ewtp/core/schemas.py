"""Base API schemas: inputs refuse unknown fields and over-long strings."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Schema
from pydantic import ConfigDict


class Input(Schema):
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
