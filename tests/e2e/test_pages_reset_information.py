"""Forgot password with personal details, in a real browser (I8 d, I5, W1, W2): a patient
invited by text (no account email, no questions) gives her details, picks her street from
five and chooses a password; signing in with it asks first for an account email, confirmed
with the code from the real SMTP sink, then for the security questions. A wrong pick sends her
back to check her details."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack
from tests.e2e.recovery_pages import (
    NEW_PASSWORD,
    USERNAME,
    change_password,
    choose_way,
    sign_in,
)
from tests.e2e.test_enrollment_journey import code_in
from tests.e2e.test_information_reset import STREET, _patient_invited_by_sms

pytestmark = pytest.mark.e2e

NEW_EMAIL = "jane.new@example.com"


def give_details(portal, *, last_name: str = "Doe"):
    page = choose_way(portal, "Give my personal details")
    page.get_by_label("Username").fill("janedoe84")
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Month").fill("3")
    page.get_by_label("Day").fill("7")
    page.get_by_label("Year").fill("1984")
    page.get_by_label("Home phone number").fill("(312) 555-0177")
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/forgot-password/account-information/address"), page.url
    return page


# rule I8, I5, W1, W2
def test_a_patient_without_email_or_questions_resets_then_adds_an_email_I8_I5_W1_W2(
    portal, stack: Stack, tmp_path
):
    _patient_invited_by_sms(stack, tmp_path)
    page = choose_way(portal, "Give my personal details")
    portal.check("reset-information-details")
    page = give_details(portal)
    assert page.get_by_role("radio").count() == 5
    portal.check("reset-information-address")
    page.get_by_label(STREET).check()
    change_password(page)

    assert page.url.endswith("/forgot-password/done"), page.url
    assert "first add an email address" in page.inner_text("main")
    portal.check("reset-information-done")
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, USERNAME, NEW_PASSWORD)

    assert page.url.endswith("/account/email/first"), page.url
    portal.check("account-email-first")
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Send me a code").click()
    assert page.url.endswith("/account/email/first/code"), page.url
    portal.check("account-email-first-code")
    page.get_by_label("Code").fill(code_in(stack.wait_for_mail(NEW_EMAIL, "code")))
    page.get_by_role("button", name="Continue").click()

    # Next, the security questions (their page is another journey's).
    assert page.url.endswith("/account/security-questions/first"), page.url


# rule I8, W2
def test_a_wrong_address_sends_the_patient_back_to_check_her_details_I8_W2(
    portal, stack: Stack, tmp_path
):
    _patient_invited_by_sms(stack, tmp_path)
    page = give_details(portal)
    streets = page.locator("label.radio__label").all_inner_texts()
    page.get_by_label(next(street for street in streets if street != STREET)).check()
    change_password(page)

    assert page.get_by_role("heading", level=1).inner_text() == "Reset with your personal details"
    summary = page.get_by_role("alert")
    assert "do not match our records" in summary.inner_text()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Username")).to_have_value(USERNAME.lower())
    portal.check("reset-information-wrong-address")


# rule I5, W2
def test_a_wrong_code_for_the_new_email_is_named_beside_it_I5_W2(portal, stack: Stack, tmp_path):
    _patient_invited_by_sms(stack, tmp_path)
    page = give_details(portal)
    page.get_by_label(STREET).check()
    change_password(page)
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, USERNAME, NEW_PASSWORD)
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Send me a code").click()
    right = code_in(stack.wait_for_mail(NEW_EMAIL, "code"))
    page.get_by_label("Code").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()

    assert "That code is not right" in page.get_by_role("alert").inner_text()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    portal.check("account-email-first-wrong-code")
