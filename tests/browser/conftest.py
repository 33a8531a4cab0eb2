"""Helpers for browser tests; the fixtures live in tests/browser/fixtures.py."""

from __future__ import annotations


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("[data-testid=who]")


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#lang-select", code)
