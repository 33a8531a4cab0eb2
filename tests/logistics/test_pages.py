import pytest
from django.test import Client

from ewtp.core.actor import Role


@pytest.mark.parametrize(("lang", "title", "first_mile"), [("en", "Hub network", "First mile"),
                                                           ("zh-hans", "枢纽网络", "头程"), ("ms", "Rangkaian hab", "Penghantaran batu pertama")])
def test_operator_sees_hubs_lanes_and_rates_in_three_languages(make_user, network, lang, title, first_mile):
    c = Client()
    c.force_login(make_user(Role.HUB_OPERATOR))
    r = c.get("/logistics/network/?date=2025-06-01", HTTP_ACCEPT_LANGUAGE=lang)
    html = r.content.decode()
    assert r.status_code == 200 and title in html and first_mile in html
    assert "Liège" in html and "upu_emsevt" in html and "MAERSK" in html
    assert "5.50" in html and "2025-12-31" in html  # the 2025 Pos Malaysia domestic table is in force that day
    later = c.get("/logistics/network/?date=2026-06-01", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert "2025-12-31" not in later and "6.00" in later
    assert "AT, BG, CY" in later  # lanes sharing a carrier and table are one row listing their countries


def test_others_may_not_see_it(make_user, network):
    c = Client()
    c.force_login(make_user(Role.SELLER))
    assert c.get("/logistics/network/").status_code == 403
