"""Payment-provider adapters. `get_provider(name)` returns the adapter the hub is configured with."""

from __future__ import annotations

from ewtp.core.errors import NotFound
from ewtp.payments.providers.base import PaymentProvider


def get_provider(name: str) -> PaymentProvider:
    from ewtp.payments.providers.sandbox import SandboxProvider

    if name == SandboxProvider.name:
        return SandboxProvider.from_settings()
    raise NotFound(f"no payment provider named {name!r}")
