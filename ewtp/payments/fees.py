"""The hub's transaction fee: a percentage of what the seller is paid for (goods and shipping)
plus a fixed amount per currency, both hub settings. There is no membership fee. The fee is
computed once, at order time, and frozen on the payment and its escrow."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from ewtp.core.money import Money

_held: list = [None, None, None]  # the settings last read (as given) and what they make


def _settings() -> tuple[Decimal, dict[str, str]]:
    """Made again only when the settings change (every checkout's consignment asks), never changed."""
    percent, fixed = str(settings.EWTP_PAYMENTS_FEE_PERCENT), settings.EWTP_PAYMENTS_FEE_FIXED
    if _held[2] is None or _held[0] != percent or _held[1] != fixed:
        _held[:] = [percent, dict(fixed), (Decimal(percent), dict(fixed))]
    return _held[2]


def fee_settings() -> tuple[Decimal, dict[str, str]]:
    percent, fixed = _settings()
    return percent, dict(fixed)


def fee_for(seller_amount: Money) -> Money:
    """percent% of the amount + the fixed fee of its currency, rounded half-up to the minor
    unit, and never more than the amount itself."""
    if seller_amount.is_negative():
        raise ValueError("a fee is computed on a non-negative amount")
    percent, fixed_table = _settings()
    fixed = Money(
        fixed_table.get(seller_amount.currency, fixed_table.get("default", "0")), seller_amount.currency
    )
    fee = (seller_amount * percent / 100 + fixed).rounded()
    return min(fee, seller_amount.rounded())
