"""Compile the gettext catalogues (.po -> .mo) with Babel, so no system gettext is needed."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent  # ewtp/: every app keeps its own locale/


def compile_all() -> int:
    count = 0
    for po in sorted(PACKAGE.glob("*/locale/*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name.replace("-", "_"))
        with open(mo, "wb") as fh:
            write_mo(fh, catalog)
        count += 1
    return count


if __name__ == "__main__":
    print(f"compiled {compile_all()} message catalogue(s)")
