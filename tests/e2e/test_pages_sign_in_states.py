"""Signing in when it is locked, and on a remembered browser, in a real browser (I4, I11, W2):
the lockout says in minutes when to try again; a browser remembered at a sign-in with the
authenticator's code signs in without it where the practice allows that, and a new one does
not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack
from tests.e2e.recovery_pages import USERNAME, jane_with_questions, sign_in
from tests.e2e.test_enrollment_journey import PASSWORD, staff_session
from tests.e2e.test_remembered_devices import _with_app_on

pytestmark = pytest.mark.e2e


# rule I11, W2
def test_a_locked_sign_in_says_how_many_minutes_to_wait_I11_W2(portal, stack: Stack, clock):
    jane_with_questions(stack)
    page = portal.open("/sign-in")
    for _ in range(10):
        clock.shift(timedelta(seconds=65))  # past each slow-down and the per-address limit
        sign_in(page, USERNAME, "Not-The-Password-1")
        assert "The username or password is incorrect." in page.get_by_role("alert").inner_text()

    sign_in(page, USERNAME, PASSWORD)

    summary = page.get_by_role("alert")
    assert (
        "Too many wrong passwords or codes in a row. Wait 15 minute(s), then try again."
        in summary.inner_text()
    )
    expect(summary).to_be_focused()
    portal.check("sign-in-locked")


# rule I4, W1
def test_a_remembered_browser_signs_in_without_the_code_where_the_practice_allows_it_I4_W1(
    portal, browser, stack: Stack, request
):
    recovery_codes = _with_app_on(stack)
    policy = stack.api.put(
        "/practice/patient-sign-in-policy",
        headers=staff_session(stack),
        json={"second_factor": "new_device"},
    )
    assert policy.status_code == 200, policy.text
    page = portal.open("/sign-in")
    page.get_by_label("Remember this device for 30 days").check()
    sign_in(page, USERNAME, PASSWORD)
    page.get_by_role("link", name="I cannot use my phone: use a recovery code").click()
    page.get_by_label("Recovery code").fill(recovery_codes[0])
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/home"), page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, USERNAME, PASSWORD)

    assert page.url.endswith("/home"), page.url  # no code asked on this browser
    other = browser.new_context(ignore_https_errors=True)
    try:
        elsewhere = Portal(other, stack.shared.portal_url, f"{request.node.name}-new-browser")
        sign_in(elsewhere.open("/sign-in"), USERNAME, PASSWORD)
        assert elsewhere.page.url.endswith("/sign-in/code")
    finally:
        other.close()
