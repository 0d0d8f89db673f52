"""Forgot username in a real browser (I7, X3, W1, W2): from the sign-in page, by the account
email or by a notification email with last name and date of birth, to the username in the
real SMTP sink; the same answer whatever matched; the rate limit says when to try again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack, text_of
from tests.e2e.recovery_pages import USERNAME
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import EMAIL

pytestmark = pytest.mark.e2e

ACCOUNT_EMAIL = "To the email address of my portal account"
NOTIFICATION_EMAIL = "To another email address I gave for notifications"
FAMILY = "family.doe@example.org"


def choose(portal, way: str):
    page = portal.open("/sign-in")
    page.get_by_role("link", name="I forgot my username").click()
    page.get_by_label(way).check()
    page.get_by_role("button", name="Continue").click()
    return page


def ask_at_account_email(portal, email: str):
    page = choose(portal, ACCOUNT_EMAIL)
    page.get_by_label("Email address of your portal account").fill(email)
    page.get_by_role("button", name="Send me my username").click()
    return page


# rule I7, W1, W2
def test_the_username_arrives_at_the_account_email_from_the_sign_in_page_I7_W1_W2(
    portal, stack: Stack
):
    activated_patient_session(stack)
    page = portal.open("/sign-in")
    page.get_by_role("link", name="I forgot my username").click()
    portal.check("forgot-username-ways")
    page = ask_at_account_email(portal, EMAIL)

    assert page.url.endswith("/forgot-username/sent")
    assert "your username is on its way" in page.get_by_role("status").inner_text()
    portal.check("forgot-username-sent")
    assert USERNAME in text_of(stack.wait_for_mail(EMAIL, "username"))


# rule X3
def test_an_email_of_no_account_reads_the_same_answer_X3(portal, stack: Stack):
    activated_patient_session(stack)
    known = ask_at_account_email(portal, EMAIL).inner_text("main")
    unknown = ask_at_account_email(portal, "nobody@example.com")
    assert unknown.url.endswith("/forgot-username/sent")
    assert unknown.inner_text("main") == known


# rule I7, W1
def test_the_username_arrives_at_the_notification_email_with_name_and_birth_date_I7_W1(
    portal, stack: Stack
):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    stack.api.put(
        "/patient/account/notification-email",
        headers=session,
        json={"notification_email": FAMILY},
    ).raise_for_status()
    page = choose(portal, NOTIFICATION_EMAIL)
    portal.check("forgot-username-notification-email")
    page.get_by_label("Notification email address").fill(FAMILY)
    page.get_by_label("Last name").fill("doe")
    page.get_by_label("Month").fill("03")
    page.get_by_label("Day").fill("07")
    page.get_by_label("Year").fill("1984")
    page.get_by_role("button", name="Send me my username").click()

    assert page.url.endswith("/forgot-username/sent")
    assert USERNAME in text_of(stack.wait_for_mail(FAMILY, "username"))


# rule I7, W2
def test_a_missing_date_of_birth_is_named_beside_it_I7_W2(portal, stack: Stack):
    page = choose(portal, NOTIFICATION_EMAIL)
    page.get_by_label("Notification email address").fill(FAMILY)
    page.get_by_label("Last name").fill("Doe")
    page.get_by_role("button", name="Send me my username").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    assert "Enter your date of birth" in summary.inner_text()
    expect(page.get_by_label("Month")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Last name")).to_have_value("Doe")
    portal.check("forgot-username-missing-date")


# rule I11, W2
def test_too_many_requests_say_how_many_minutes_to_wait_I11_W2(portal, stack: Stack):
    for _ in range(5):
        ask_at_account_email(portal, "nobody@example.com")
    page = ask_at_account_email(portal, "nobody@example.com")

    assert page.url.endswith("/forgot-username/account-email")
    assert (
        "Too many attempts from your network. Wait 1 minute(s), then try again."
        in page.get_by_role("alert").inner_text()
    )
    portal.check("forgot-username-rate-limited")
