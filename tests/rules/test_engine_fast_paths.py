"""The scalar engine's shortcuts for the usual request (a 6-digit code, a 2-letter country, "12.50")
and for a quote's uniform masks answer exactly as the general code they skip."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from ewtp.rules.engine.inputs import ONE, _country, _decimal, _Errors, _hs
from ewtp.rules.engine.kernel import choose, label


class _S(str):
    """A str that is not exactly str: takes the general path of every shortcut."""


def _both(fn, v, *args, **kw):
    fast, slow = _Errors(), _Errors()
    a = fn(v, "f", fast, *args, **kw)
    b = fn(_S(v), "f", slow, *args, **kw)
    return (str(a), fast.fields), (str(b), slow.fields)


DECIMALS = ["12.50", " 12.50 ", "0", "0.00", "-1", "+5", ".5", "1e3", "1E-3", "NaN", "Infinity", "-0", "abc", "",
            "0.00000000001", "0.000000000001", "0.0000000000001", "123456789012", "1234567890123", "1_000", "١٢"]


@pytest.mark.parametrize("v", DECIMALS)
@pytest.mark.parametrize("kw", [{}, {"strict_min": True}, {"below": ONE}, {"minimum": None}])
def test_decimal_shortcut_answers_as_the_general_path(v, kw):
    fast, slow = _both(_decimal, v, **kw)
    assert fast == slow


def test_decimal_shortcut_keeps_the_written_exponent():
    assert str(_decimal("12.50", "f", _Errors())) == "12.50"
    assert _decimal("12.5", "f", _Errors()).as_tuple().exponent == -1


@pytest.mark.parametrize("v", ["CN", "cn", "Cn", "XX", "C ", " C", "C", "CHN", "", "1A"])
def test_country_shortcut_answers_as_the_general_path(v):
    fast, slow = _both(_country, v)
    assert fast == slow


@pytest.mark.parametrize("v", ["610910", "6109.10", "6109 10", "61091000", "610900", "999999", "6109", "61a910",
                               "", "000000"])
def test_hs_shortcut_answers_as_the_general_path(v):
    fast, slow = _both(_hs, v)
    assert fast == slow


@pytest.mark.parametrize("mask", [[True, True, True], [False, False, False], [True, False, True], [True], [False]])
def test_choose_is_where(mask):
    m = np.array(mask)
    a = np.array([Decimal(i + 1) for i in range(len(mask))], dtype=object)
    b = np.array([Decimal(-i - 1) for i in range(len(mask))], dtype=object)
    assert choose(m, a, b).tolist() == np.where(m, a, b).tolist()
    big = np.array(mask * 10)
    assert choose(big, np.arange(len(big)), -np.arange(len(big))).tolist() == \
        np.where(big, np.arange(len(big)), -np.arange(len(big))).tolist()


@pytest.mark.parametrize("low", [[True], [False], [True, False, True]])
@pytest.mark.parametrize("reg", [True, False])
def test_label_is_where(low, reg):
    lo, rg = np.array(low), np.array([reg] * len(low))
    got = label(lo, label(rg, "A-LVG", "A-UNREG"), "A-IMPORT")
    want = np.where(lo, np.where(rg, "A-LVG", "A-UNREG"), "A-IMPORT")
    assert [str(v) for v in got] == [str(v) for v in want]
