"""A capture's escrow (`events._hold_of`) is `escrow.new_hold` of the payment's amounts: made from
the minor units directly when every check passes on them, and refused with new_hold's own error
when one does not."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from ewtp.core.errors import AppError
from ewtp.core.money import Money
from ewtp.payments import escrow
from ewtp.payments.events import _hold_of
from ewtp.payments.models import Payment


def _payment(**over) -> Payment:
    fields = dict(order_ref="ORD-1", seller_org_id=7, amount_minor=12345, currency="MYR", seller_currency="USD",
                  provider="sandbox", buyer_user_id=3, jurisdiction="SG", duty_minor=100, tax_minor=200, fee_minor=300)
    return Payment(**(fields | over))


def _slow(p: Payment):
    """The escrow as `decide` made it before: new_hold of Money amounts."""
    return escrow.new_hold(order_ref=p.order_ref, seller_org_id=p.seller_org_id, amount=p.amount,
                           seller_currency=p.seller_currency, provider=p.provider, buyer_user_id=p.buyer_user_id,
                           jurisdiction=p.jurisdiction, duty=Money.from_minor(p.duty_minor, p.currency),
                           tax=Money.from_minor(p.tax_minor, p.currency), fee=Money.from_minor(p.fee_minor, p.currency))


def _outcome(make, p: Payment):
    try:
        return model_to_dict(make(p))
    except (AppError, ValueError, LookupError) as err:
        return type(err), str(err), getattr(err, "fields", None)


@pytest.mark.parametrize("over", [
    {},
    {"duty_minor": 0, "tax_minor": 0, "fee_minor": 0},
    {"currency": "JPY", "amount_minor": 5000},  # no minor unit
    {"currency": "KWD", "amount_minor": 1234567},  # three places
    {"amount_minor": 600, "duty_minor": 100, "tax_minor": 200, "fee_minor": 300},  # all of it to duty, tax, fee
    {"jurisdiction": "", "buyer_user_id": None},
    {"order_ref": "R" * 120},
    # refused: each with new_hold's own error
    {"amount_minor": 599},  # less than duty + tax + fee
    {"amount_minor": 0},
    {"amount_minor": -5},
    {"duty_minor": -1},
    {"tax_minor": -1},
    {"fee_minor": -1},
    {"order_ref": ""},
    {"order_ref": "R" * 121},
    {"amount_minor": 10 ** 17},  # beyond what Money takes
    {"currency": "XXX"},
])
def test_the_escrow_of_a_capture_is_new_holds(over):
    p = _payment(**over)
    assert _outcome(_hold_of, p) == _outcome(_slow, p)
