"""The fee settings are made once while unchanged, and a changed setting is used at once."""

from django.test import override_settings

from ewtp.core.money import Money
from ewtp.payments.fees import fee_for, fee_settings


def test_a_changed_fee_setting_is_used_at_once():
    assert fee_for(Money("100.00", "EUR")) == Money("2.30", "EUR")  # 2.0% + 0.30
    with override_settings(EWTP_PAYMENTS_FEE_PERCENT="3.5", EWTP_PAYMENTS_FEE_FIXED={"default": "1.00"}):
        assert fee_for(Money("100.00", "EUR")) == Money("4.50", "EUR")
        percent, fixed = fee_settings()
        fixed["default"] = "9"  # the caller's copy: the settings as made stay as they were
        assert fee_for(Money("100.00", "EUR")) == Money("4.50", "EUR")
    assert fee_for(Money("100.00", "EUR")) == Money("2.30", "EUR")
