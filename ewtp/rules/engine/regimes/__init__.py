"""One kernel per jurisdiction (or family). Each module exposes TAX_KEY (the pack key of its
VAT/GST rate, "{country}" filled in for the EU), THRESHOLD_CCY (None: the destination's
currency), CT_KEY (consumption-tax rule, China only) and kernel(x, f) -> KernelOut."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

NAMES = ("eu", "gb", "us", "au", "nz", "ca", "sg", "my", "cn", "jp", "no", "ch")


@cache
def regime(name: str) -> ModuleType:
    if name not in NAMES:
        raise KeyError(name)
    return import_module(f"ewtp.rules.engine.regimes.{name}")
