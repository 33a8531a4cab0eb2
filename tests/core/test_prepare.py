"""`core.prepare.preparer` gives what Django's `get_db_prep_save` gives, for every field of every
model of the hub and the value types the short paths take (and some they pass on)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils.functional import lazy

from ewtp.core.prepare import _short, preparer

UTC_NOW = dt.datetime(2026, 12, 6, 23, 30, 1, 123456, tzinfo=dt.UTC)
VALUES = ["", "text", "中文", 0, 7, -3, 2**40, True, False, None, Decimal("1.50"), Decimal("-0"),
          Decimal("123456.789"), Decimal("NaN"), UTC_NOW, UTC_NOW.replace(microsecond=0),
          UTC_NOW.astimezone(dt.timezone(dt.timedelta(hours=8))), {"a": [1, "2", None]}, [1, {"b": "c"}], 1.5,
          lazy(lambda: "lazy", str)()]


def _answer(f, *args):
    try:
        out = f(*args)
    except Exception as exc:  # noqa: BLE001 - the two paths must fail alike
        return ("raised", type(exc))
    wrapped = getattr(out, "obj", None)  # psycopg's Jsonb: compare what it wraps
    return (type(out), wrapped if wrapped is not None else out)


def _fields():
    for model in apps.get_models():
        yield from model._meta.concrete_fields


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_same_as_django_for_every_field_and_value():
    checked = short = 0
    for f in _fields():
        prep = preparer(f, connection)
        short += _short(f, connection) is not None
        for v in VALUES:
            assert _answer(prep, v) == _answer(f.get_db_prep_save, v, connection), (f, v)
            checked += 1
    assert short > 100  # most of the hub's fields take a short path
    assert checked > 1000


@pytest.mark.django_db
def test_made_once_per_connection_and_field():
    f = apps.get_model("market", "Order")._meta.get_field("state")
    assert preparer(f, connection) is preparer(f, connection)
