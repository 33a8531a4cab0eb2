import datetime as dt

import pytest
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
