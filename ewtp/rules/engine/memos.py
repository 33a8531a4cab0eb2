"""Every look-up the scalar engine remembers, in one place, so that a benchmark or a test can start
a quote cold: the per-pack rule and plan memos (`Pack.memo`), the tariff memos (`Schedule.memo`),
the cross-rate cache, and the engine's small caches of display strings and read-only columns.
None of them is keyed by a price or a quantity; forgetting them never changes an answer."""

from __future__ import annotations

from ewtp.rules import fx
from ewtp.rules.engine.inputs import _NAMES
from ewtp.rules.engine.kernel import _PCT
from ewtp.rules.engine.ops import _CONST, _CONSTS, _ZEROS
from ewtp.rules.engine.quote import _ABSENT, _RATES
from ewtp.rules.packs import packs
from ewtp.rules.tariffs import schedules


def forget() -> None:
    """Empty every memo (the loaded packs, tariffs and rates themselves stay loaded)."""
    for p in packs().values():
        p.memo.clear()
    for s in schedules().values():
        s.memo.clear()
    fx.ecb_rate.cache_clear()
    for memo in (_CONST, _CONSTS, _ZEROS, _ABSENT, _RATES, _PCT, _NAMES):  # cleared in place, never rebound
        memo.clear()
