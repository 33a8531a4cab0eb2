import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.backends.sqlite3 import base as django_sqlite
from hypothesis import given
from hypothesis import strategies as st

# Django's operations come from its SQLite base: imported alone, that module is a circular import
pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the hub's SQLite backend")

_zones = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))])


@given(st.datetimes(timezones=_zones) | st.datetimes())
def test_a_datetime_parameter_is_written_as_django_writes_it(value):
    assert connection.ops.adapt_datetimefield_value(value) == django_sqlite.DatabaseOperations(connection).adapt_datetimefield_value(value)


@given(st.datetimes() | st.datetimes(timezones=_zones) | st.none())
def test_a_datetime_column_is_read_as_django_reads_it(value):
    ours = connection.ops.convert_datetimefield_value(value, None, connection)
    django = django_sqlite.DatabaseOperations(connection).convert_datetimefield_value(value, None, connection)
    assert ours == django and (ours is None or ours.tzinfo == django.tzinfo)


def test_none_stays_none():
    assert connection.ops.adapt_datetimefield_value(None) is None


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.decimals(allow_nan=False),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=12)


@pytest.mark.parametrize("encoder", [None, DjangoJSONEncoder])
@given(value=_json)
def test_a_json_value_is_written_as_django_writes_it(encoder, value):
    django = django_sqlite.DatabaseOperations(connection)
    try:
        expected = django.adapt_json_value(value, encoder)
    except TypeError:  # a Decimal without an encoder: refused both ways
        with pytest.raises(TypeError):
            connection.ops.adapt_json_value(value, encoder)
        return
    assert connection.ops.adapt_json_value(value, encoder) == expected


def test_the_backend_says_it_stores_json_dumps_text():
    from ewtp.core import jsontext

    assert jsontext.stores_dumps(connection)


@given(st.datetimes(timezones=_zones) | st.datetimes())
def test_a_datetime_with_its_iso_text_is_written_as_django_writes_it(value):
    expected = django_sqlite.DatabaseOperations(connection).adapt_datetimefield_value(value)
    assert connection.ops.adapt_datetime_iso(value, value.isoformat()) == expected
