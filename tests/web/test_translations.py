"""Every page string has a Chinese and a Malay translation: no catalogue may have an empty or
fuzzy entry, and every app with templates keeps a catalogue."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parents[2] / "ewtp"
CATALOGUES = sorted(PACKAGE.glob("*/locale/*/LC_MESSAGES/django.po"))


def test_every_app_with_pages_has_both_catalogues():
    apps = {p.parent.name for p in PACKAGE.glob("*/templates") if any(p.rglob("*.html"))}
    assert {"web", "accounts", "market", "rules", "payments", "customs"} <= apps
    for app in apps:
        for lang in ("zh_Hans", "ms"):
            assert (PACKAGE / app / "locale" / lang / "LC_MESSAGES" / "django.po").exists(), (app, lang)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: f"{p.parts[-5]}-{p.parts[-3]}")
def test_catalogue_is_complete(po):
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    missing = [m.id for m in catalog if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str)
                                                                  else all(m.string)))]
    assert not missing, missing[:10]
