"""What the browser tests of forgetting a username or a password share: Jane set up as each way
needs her, the link from the real SMTP sink, and the steps a person takes on the pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack, text_of
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import EMAIL, staff_session

USERNAME = "JaneDoe84"
NEW_PASSWORD = "quiet harbor lamps at night"
RESET_LINK = re.compile(r"https://\S+/reset-password#token=[A-Za-z0-9_-]+")


def jane_with_questions(stack: Stack) -> str:
    """Jane, activated, her five questions answered ("Blue"), signed out: her username."""
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    assert stack.api.delete("/patient/sessions/current", headers=session).status_code == 204
    return USERNAME


def reset_link_in_mail(stack: Stack, count: int = 1) -> str:
    """The reset link of the newest reset email to Jane, once `count` have arrived."""
    message = stack.wait_for_mail(EMAIL, "password", count=count)
    found = RESET_LINK.search(text_of(message))
    assert found, text_of(message)
    return found.group(0)


def practice_token(stack: Stack) -> str:
    """An 8-digit reset token the practice issues for Jane, after checking her photo ID."""
    staff = staff_session(stack)
    patient_id = stack.api.post(
        "/practice/patients/search", headers=staff, json={"name": "doe"}
    ).json()["patients"][0]["patient_id"]
    issued = stack.api.post(
        f"/practice/patients/{patient_id}/password-reset-token",
        headers=staff,
        json={"identity_check": "photo_id"},
    )
    assert issued.status_code == 200, issued.text
    return str(issued.json()["token"])


def choose_way(portal: Portal, way: str) -> Page:
    """From the sign-in page, "I forgot my password", then the way named by its label."""
    page = portal.open("/sign-in")
    page.get_by_role("link", name="I forgot my password").click()
    page.get_by_label(way).check()
    page.get_by_role("button", name="Continue").click()
    return page


def change_password(page: Page, password: str = NEW_PASSWORD) -> None:
    page.get_by_label("New password").fill(password)
    page.get_by_role("button", name="Change my password").click()


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signs_in_with_the_new_password(portal: Portal, password: str = NEW_PASSWORD) -> None:
    """From the page that says the password is changed: signing in with it reaches home."""
    page = portal.page
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, USERNAME, password)
    assert page.url.endswith("/home"), page.url


def tab_to(page: Page, selector: str, presses: int = 40) -> None:
    """Presses Tab until the element `selector` has the focus, as a keyboard user moves."""
    target = page.locator(selector)
    for _ in range(presses):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")
