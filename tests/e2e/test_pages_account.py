"""Account settings in a real browser (W1 to W4, I1, I2, I3, I5, I9, N2): each setting changed
from its page against the real stack, codes read from the real SMTP sink or the SMS folder,
every page checked by axe-core at phone and desktop width, wrong passwords and codes named
beside their fields, one form completed with the keyboard alone, and the journey in Spanish."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import EMAIL, PASSWORD, code_in

pytestmark = pytest.mark.e2e

USERNAME = "JaneDoe84"
NEW_PASSWORD = "amber lantern by the river"
NEW_EMAIL = "jane.new@example.com"


@pytest.fixture
def jane(stack: Stack) -> str:
    """Jane, activated with her questions answered (through the API): her username."""
    answer_security_questions(stack, activated_patient_session(stack))
    return USERNAME


def sign_in(portal: Portal, username: str = USERNAME, password: str = PASSWORD) -> None:
    page = portal.open("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))


def settings(portal: Portal) -> None:
    """From home to the settings page by the header's link."""
    portal.page.get_by_role("link", name="Your account").click()
    expect(portal.page).to_have_url(re.compile(r"/account$"))


def notice(portal: Portal) -> str:
    return portal.page.get_by_role("status").inner_text()


def error_summary(portal: Portal) -> str:
    summary = portal.page.get_by_role("alert")
    expect(summary).to_be_focused()
    return summary.inner_text()


# rule W1, W2, I1, I6, I9
def test_the_username_is_changed_with_the_current_password_W1_W2_I1_I6_I9(
    portal: Portal, stack: Stack, jane: str
):
    sign_in(portal)
    settings(portal)
    portal.check("settings")
    page = portal.page
    page.get_by_role("link", name="Change your username").click()
    portal.check("username")

    page.get_by_label("New username").fill("JaneDoe1984")
    page.get_by_label("Your current password").fill("not my password")
    page.get_by_role("button", name="Change username").click()
    assert "Your current password is not right." in error_summary(portal)
    assert page.get_by_label("New username").input_value() == "JaneDoe1984"
    portal.check("username-wrong-password")

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Change username").click()

    expect(page).to_have_url(re.compile(r"/account\?done=username$"))
    assert "Your username is changed." in notice(portal)
    assert "JaneDoe1984" in page.locator(".summary-list").first.inner_text()
    portal.check("username-changed")
    stack.wait_for_mail(EMAIL, "username was changed")


# rule W2, I2, I8
def test_the_password_is_changed_with_its_checklist_W2_I2(portal: Portal, jane: str):
    sign_in(portal)
    page = portal.open("/account/password")
    checklist = page.locator("#new_password-requirements")
    portal.check("password")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Change password").click()
    assert "Choose a new password that meets every requirement" in error_summary(portal)
    assert page.get_by_label("New password").input_value() == ""
    expect(checklist.locator("[data-requirement='min_length']")).to_have_class("unmet")
    portal.check("password-too-weak")

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("New password").press_sequentially(NEW_PASSWORD)
    expect(checklist.locator("[data-requirement='min_length']")).to_have_class("met")
    page.get_by_role("button", name="Change password").click()

    assert "Your password is changed" in notice(portal)
    page.get_by_role("button", name="Sign out").click()
    sign_in(portal, password=NEW_PASSWORD)


# rule W1, W2, I5, I6
def test_the_account_email_changes_once_the_emailed_code_comes_back_W1_W2_I5_I6(
    portal: Portal, stack: Stack, jane: str
):
    sign_in(portal)
    page = portal.open("/account/email")
    portal.check("email")
    page.get_by_label("New account email").fill(NEW_EMAIL)
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Send me a code").click()
    expect(page).to_have_url(re.compile(r"/account/email/code$"))
    assert NEW_EMAIL in page.get_by_role("main").inner_text()
    portal.check("email-code")
    code = code_in(stack.wait_for_mail(NEW_EMAIL, "code"))

    page.get_by_label("Code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm my new email").click()
    assert "That code is not right." in error_summary(portal)
    portal.check("email-wrong-code")

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm my new email").click()

    assert "Your account email is changed." in notice(portal)
    assert NEW_EMAIL in page.locator(".summary-list").nth(1).inner_text()
    stack.wait_for_mail(EMAIL, "email")  # the notice goes to the address it replaces (I6)


# rule W1, I5
def test_a_notification_email_is_saved_then_removed_W1_I5(portal: Portal, jane: str):
    sign_in(portal)
    page = portal.open("/account/notification-email")
    portal.check("notification-email")
    page.get_by_label("Notification email").fill("jane@")
    page.get_by_role("button", name="Save").click()
    assert "Enter an email address like name@example.com" in error_summary(portal)
    portal.check("notification-email-not-an-address")

    page.get_by_label("Notification email").fill("jane.home@example.com")
    page.get_by_role("button", name="Save").click()
    assert "Your notification email is saved." in notice(portal)
    assert "jane.home@example.com" in page.locator(".summary-list").nth(1).inner_text()

    page.get_by_role("link", name="Change your notification email").click()
    page.get_by_role("button", name="Remove my notification email").click()
    assert "Your notification email is removed." in notice(portal)


def sms_codes(tmp_path) -> list[str]:
    """The 6-digit codes in the texts the SMS folder holds, oldest first."""
    texts = sorted((tmp_path / "sms").glob("*.json"), key=lambda path: path.stat().st_mtime)
    bodies = [json.loads(path.read_text())["body"] for path in texts]
    return [m.group(1) for body in bodies if (m := re.search(r"\b(\d{6})\b", body))]


# rule W1, W2, N2, I9
def test_the_cell_phone_is_saved_once_the_texted_code_comes_back_W1_W2_N2_I9(
    portal: Portal, jane: str, tmp_path
):
    sign_in(portal)
    page = portal.open("/account")
    page.get_by_role("link", name="Add a cell phone").click()
    portal.check("cell-phone")
    page.get_by_label("New cell phone number").fill("(312) 555-0199")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Text me a code").click()
    expect(page).to_have_url(re.compile(r"/account/cell-phone/code$"))
    assert "ending in 0199" in page.get_by_role("main").inner_text()
    portal.check("cell-phone-code")
    code = eventually(lambda: sms_codes(tmp_path))[-1]  # type: ignore[index]

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm my cell phone").click()

    assert "Your cell phone number is saved." in notice(portal)
    assert "A number ending in 0199" in page.locator(".summary-list").nth(1).inner_text()


# rule W2, I3
def test_the_security_questions_are_changed_five_different_ones_W2_I3(portal: Portal, jane: str):
    sign_in(portal)
    page = portal.open("/account/security-questions")
    portal.check("security-questions")
    for number in range(1, 6):
        page.locator(f"#answer-{number}").fill(f"answer {number}")
    page.locator("#question-2").select_option(page.locator("#question-1").input_value())
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Save my questions").click()
    assert "Choose 5 different questions" in error_summary(portal)
    assert page.locator("#answer-3").input_value() == "answer 3"
    portal.check("security-questions-twice-the-same")

    page.locator("#question-2").select_option("dream_job")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Save my questions").click()
    assert "Your security questions and answers are saved." in notice(portal)


# rule W2
def test_the_username_form_is_completed_with_the_keyboard_alone_W2(portal: Portal, jane: str):
    sign_in(portal)
    page = portal.open("/account")
    keyboard = page.keyboard
    link = page.get_by_role("link", name="Change your username")
    for _ in range(40):
        keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/username$"))
    new_username = page.get_by_label("New username")
    for _ in range(20):
        if new_username.evaluate("element => element === document.activeElement"):
            break
        keyboard.press("Tab")
    keyboard.type("JaneDoe1984")
    keyboard.press("Tab")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    assert "Your username is changed." in notice(portal)


# rule W3, I1
def test_the_settings_in_spanish_W3_I1(portal: Portal, jane: str):
    sign_in(portal)
    page = portal.open("/account")
    page.get_by_role("link", name="Español").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Su cuenta"
    portal.check("settings-es")
    page.get_by_role("link", name="Cambiar su nombre de usuario").click()
    page.get_by_label("Nuevo nombre de usuario").fill("JaneDoe1984")
    page.get_by_label("Su contraseña actual").fill("no es")
    page.get_by_role("button", name="Cambiar nombre de usuario").click()
    assert "Su contraseña actual no es correcta." in error_summary(portal)
    portal.check("username-wrong-password-es")
    page.get_by_label("Su contraseña actual").fill(PASSWORD)
    page.get_by_role("button", name="Cambiar nombre de usuario").click()
    assert "Su nombre de usuario cambió." in notice(portal)
