from __future__ import annotations

from decimal import Decimal

import pytest

from ewtp.payments.fx import FixedRates

RATES = FixedRates(
    {
        "USD": Decimal("1.10"),
        "MYR": Decimal("4.80"),
        "AUD": Decimal("1.65"),
        "JPY": Decimal("160"),
        "CNY": Decimal("7.80"),
    },
    name="test-table",
)


@pytest.fixture
def rates() -> FixedRates:
    return RATES


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # test users are created through the real service; a slow hasher only slows the suite
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
