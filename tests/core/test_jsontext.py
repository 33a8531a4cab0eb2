"""`core.jsontext`'s encoders give json.dumps's text, byte for byte."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given
from hypothesis import strategies as st

from ewtp.core import jsontext

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
FORMS = [
    {},
    {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False},
    {"sort_keys": True, "ensure_ascii": False},
    {"ensure_ascii": False},
]


@pytest.mark.parametrize("options", FORMS)
@given(value=values)
def test_each_form_writes_what_json_dumps_writes(options, value):
    assert jsontext.encoder(**options)(value) == json.dumps(value, **options)


@given(value=values)
def test_the_named_forms_are_dumps_and_the_audit_logs_compact_sorted_text(value):
    assert jsontext.dumps(value) == json.dumps(value)
    assert jsontext.compact_sorted(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_an_encoder_class_default_is_used_as_json_dumps_uses_it():
    value = {"at": datetime(2026, 12, 7, 5, 0, tzinfo=UTC), "amount": Decimal("12.50"), "id": uuid.UUID(int=7),
             "lines": [Decimal("0.1"), "天猫", 3]}
    assert jsontext.encoder(cls=DjangoJSONEncoder)(value) == json.dumps(value, cls=DjangoJSONEncoder)


def test_what_json_dumps_refuses_is_refused():
    with pytest.raises(TypeError):
        jsontext.dumps({"amount": Decimal("1")})
    with pytest.raises(TypeError):
        jsontext.dumps({1.5j: 1})


def test_an_encoder_is_made_once_per_form():
    assert jsontext.encoder(sort_keys=True) is jsontext.encoder(sort_keys=True)
