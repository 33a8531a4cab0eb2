import pytest

from tests.browser.conftest import sign_in, switch_language
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_signs_up_signs_in_and_reads_the_shell_in_chinese_and_malay(page):
    page.goto("/accounts/signup/")
    page.click("text=Sign up as a buyer")
    page.fill("#id_username", "mei")
    page.fill("#id_email", "mei@example.com")
    page.fill("#id_password", "lantern-festival-88")
    page.select_option("#id_country", "AU")
    page.click("form.stacked button[type=submit]")
    assert "mei · Buyer" in page.inner_text("[data-testid=who]")

    page.click("header button:has-text('Sign out')")
    page.wait_for_selector("text=Sign in")
    sign_in(page, "mei", "lantern-festival-88")

    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "退出登录" in page.inner_text("header")
    assert "mei · 买家" in page.inner_text("[data-testid=who]")
    assert "全球买，全球卖" in page.inner_text("main")
    assert "HS 编码" in page.inner_text("nav")

    switch_language(page, "ms")
    assert "Log keluar" in page.inner_text("header")
    assert "Pembeli" in page.inner_text("[data-testid=who]")


def test_seller_is_refused_the_operator_pages(page, make_user):
    seller = make_user("seller", username="siti")
    sign_in(page, seller.username, PASSWORD)
    assert "API tokens" not in page.inner_text("nav")
    for path in ("/accounts/operator/tokens/", "/accounts/operator/organisations/"):
        response = page.goto(path)
        assert response.status == 403
        assert page.is_visible("[data-testid=forbidden]")
    response = page.goto("/admin/")
    assert "/admin/login/" in page.url  # Django admin refuses non-operators


def test_operator_issues_a_token_shown_once(page, make_user):
    from ewtp.accounts.models import ApiToken, Organisation

    Organisation.objects.create(kind="logistics", name="Kedah Couriers", country="MY")
    op = make_user("hub_operator", username="ops")
    sign_in(page, op.username, PASSWORD)
    page.goto("/accounts/operator/tokens/")
    page.select_option("#id_organisation", label="Kedah Couriers")
    page.fill("#id_name", "tracking")
    page.click("form.stacked button[type=submit]")
    secret = page.inner_text("[data-testid=token-secret]").strip()
    assert secret.startswith("ewtp_")
    assert ApiToken.objects.get().digest != secret
    page.reload()
    assert secret not in page.content()


def test_hs_browser_searches_as_you_type(page, refdata):
    page.goto("/reference/hs/")
    page.fill("#hs-q", "coffee")
    page.wait_for_selector("[data-testid=hs-count]")
    assert "090111" in page.inner_text("#hs-results")
    page.click("text=090111")
    assert "Coffee" in page.inner_text("h1")
