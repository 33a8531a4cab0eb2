"""Whole numbers from forms and JSON bodies, without the surprises of isdigit() and deep nesting."""

import pytest

from ewtp.core.parse import DB_ID_MAX, form_int, load_json


@pytest.mark.parametrize("text, expected", [("42", 42), (" 7 ", 7), ("0", 0), ("²", None), ("٣", None),
                                            ("4.0", None), ("", None), (None, None), ("-3", None),
                                            (str(2**64), None), (str(DB_ID_MAX), DB_ID_MAX)])
def test_form_int_takes_ascii_whole_numbers_in_range(text, expected):
    assert form_int(text) == expected


def test_form_int_bounds():
    assert form_int("-3", low=-5) == -3 and form_int("9", high=8) is None and form_int("0", low=1) is None


def test_load_json_refuses_deep_nesting_whatever_the_depth():
    assert load_json(b'{"a": [1, {"b": [2]}]}') == {"a": [1, {"b": [2]}]}
    assert load_json("[" * 32 + "]" * 32) is not None
    for depth in (33, 900, 100_000):
        with pytest.raises(ValueError, match="nested"):
            load_json("[" * depth + "]" * depth)
