from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "ewtp" / "payments" / "locale"


@pytest.mark.parametrize("lang", ["zh_Hans", "ms"])
def test_every_payments_string_is_translated(lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "django.po", "rb") as fh:
        catalog = read_po(fh)
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 50
    assert [m.id for m in catalog if m.id and (not m.string or m.fuzzy)] == []
