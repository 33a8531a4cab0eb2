"""Unicode digits ("²", fullwidth "１") pass str.isdigit() but not int(): every guard takes ASCII
digits only, so they are refused or ignored, never a 500."""

import pytest
from django.test import Client

from ewtp.core.actor import Role
from ewtp.logistics.s10 import check_digit

pytestmark = pytest.mark.django_db


def test_catalogue_page_number_and_seller_balances_org(make_user):
    c = Client(raise_request_exception=False)
    assert c.get("/market/", {"page": "²"}).status_code == 200
    c.force_login(make_user(Role.SELLER))
    assert c.get("/payments/seller/", {"org": "²"}).status_code == 200


def test_s10_serial_of_unicode_digits_is_refused():
    with pytest.raises(ValueError, match="eight digits"):
        check_digit("１２３４５６７８")
