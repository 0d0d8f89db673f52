"""Account security and activity in a real browser (W1 to W4, I4, I10, M5, N4, X2): the
authenticator app set up with its code computed from the key shown (pyotp), recovery codes shown
once and one used to sign in, sessions and remembered devices ended from their pages,
preferences changed per practice, and who acted on the record named in plain words."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import (
    activated_patient_session,
    answer_security_questions,
    bearer,
)
from tests.e2e.test_audit_routes import a_representative_and_staff_acted
from tests.e2e.test_enrollment_journey import PASSWORD
from tests.e2e.test_pages_account import USERNAME, error_summary, notice, sign_in

pytestmark = pytest.mark.e2e

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def jane(stack: Stack) -> dict[str, str]:
    """Jane, activated with her questions answered: her API session's headers."""
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    return session


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def turn_on_the_app(portal: Portal, *, check: bool = False) -> tuple[pyotp.TOTP, list[str]]:
    """From the settings page: the app set up with the key the page shows and its first code.
    The app, and the recovery codes the page then shows."""
    page = portal.page
    page.get_by_role("link", name="Set up the authenticator app").click()
    if check:
        portal.check("authenticator-off")
    page.get_by_role("link", name="Set up the authenticator app").click()
    qr_code = page.get_by_role("img", name="QR code for the authenticator app")
    assert qr_code.get_attribute("src").startswith("data:image/svg+xml")  # type: ignore[union-attr]
    app = pyotp.TOTP(page.locator(".app-key code").inner_text().replace(" ", ""))
    if check:
        portal.check("authenticator-setup")
        page.get_by_label("Code from the app").fill(wrong(app.now()))
        page.get_by_role("button", name="Turn on the authenticator app").click()
        assert "That code is not right." in error_summary(portal)
        portal.check("authenticator-setup-wrong-code")
    page.get_by_label("Code from the app").fill(app.now())
    page.get_by_role("button", name="Turn on the authenticator app").click()
    expect(page).to_have_url(re.compile(r"/account/authenticator/recovery-codes$"))
    return app, page.locator(".recovery-codes code").all_inner_texts()


def next_code(app: pyotp.TOTP) -> str:
    """The app's code for the next time step: newer than the one just used, and accepted now
    (one step of clock drift is)."""
    return app.at(time.time() + 30)


# rule W1, W2, I4
def test_the_app_is_set_up_its_codes_shown_once_and_one_signs_in_W1_W2_I4(
    portal: Portal, jane: dict[str, str]
):
    sign_in(portal)
    portal.open("/account")
    app, first_codes = turn_on_the_app(portal, check=True)
    page = portal.page
    assert len(set(first_codes)) == 10
    assert notice(portal) == "The authenticator app is on."
    portal.check("recovery-codes")

    page.reload()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Your recovery codes were shown once"
    )
    assert first_codes[0] not in page.content()
    portal.check("recovery-codes-shown-once")

    page.get_by_role("link", name="Make new recovery codes").click()
    page.get_by_label("Code from the authenticator app").fill("12345")
    page.get_by_role("button", name="Make new codes").click()
    assert "That code is not right." in error_summary(portal)
    portal.check("new-recovery-codes-wrong-code")
    page.get_by_label("Code from the authenticator app").fill(next_code(app))
    page.get_by_role("button", name="Make new codes").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and not set(codes) & set(first_codes)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="I cannot use my phone: use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/home$"))


# rule W2, I4
def test_the_app_is_turned_off_with_the_password_and_a_current_code_W2_I4(
    portal: Portal, jane: dict[str, str]
):
    sign_in(portal)
    portal.open("/account")
    app, _ = turn_on_the_app(portal)
    page = portal.page
    page.get_by_role("link", name="I have saved my codes").click()
    assert "The authenticator app is on." in notice(portal)
    page.get_by_role("link", name="Manage the authenticator app").click()
    portal.check("authenticator-on")
    page.get_by_role("link", name="Turn off the authenticator app").click()
    portal.check("authenticator-turn-off")

    page.get_by_label("Your current password").fill("not my password")
    page.get_by_label("Code from the authenticator app").fill(next_code(app))
    page.get_by_role("button", name="Turn it off").click()
    assert "Your current password is not right." in error_summary(portal)
    portal.check("authenticator-turn-off-wrong-password")

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("Code from the authenticator app").fill(next_code(app))
    page.get_by_role("button", name="Turn it off").click()
    assert "The authenticator app is off" in notice(portal)
    assert "Set up the authenticator app" in page.get_by_role("main").inner_text()


# rule W1, I10
def test_sessions_are_ended_from_the_page_one_or_all_others_W1_I10(
    portal: Portal, stack: Stack, jane: dict[str, str]
):
    sign_in(portal)
    page = portal.open("/account")
    page.get_by_role("link", name="Where you are signed in").click()
    cards = page.locator(".card")
    expect(cards).to_have_count(2)  # this browser, and the API session of the fixture
    stack.api.delete("/patient/sessions/current", headers=jane)
    on_the_phone = stack.api.post(
        "/patient/sessions",
        json={"username": USERNAME, "password": PASSWORD},
        headers={"user-agent": IPHONE},
    ).json()["session_token"]
    page.reload()
    assert "Safari on iPhone" in cards.all_inner_texts()[0]
    assert "This device" in page.get_by_role("main").inner_text()
    portal.check("sessions")

    page.get_by_role("button", name="Sign out this device").click()
    assert notice(portal) == "We signed that device out."
    expect(cards).to_have_count(1)
    assert stack.api.get("/patient/me", headers=bearer(on_the_phone)).status_code == 401
    portal.check("sessions-one-ended")

    others = [
        stack.api.post(
            "/patient/sessions", json={"username": USERNAME, "password": PASSWORD}
        ).json()["session_token"]
        for _ in range(2)
    ]
    page.reload()
    page.get_by_role("button", name="Sign out everywhere else").click()
    assert "We signed you out everywhere else." in notice(portal)
    assert all(stack.api.get("/patient/me", headers=bearer(t)).status_code == 401 for t in others)
    expect(cards).to_have_count(1)


# rule W1, I4
def test_a_remembered_device_is_listed_and_forgotten_W1_I4(portal: Portal, jane: dict[str, str]):
    page = portal.open("/sign-in")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Remember this device for 30 days").check()
    page.get_by_role("button", name="Sign in").click()
    portal.open("/account")
    page.get_by_role("link", name="Remembered devices").click()
    assert "This device" in page.locator(".card").inner_text()
    portal.check("remembered-devices")

    page.get_by_role("button", name="Forget this device").click()

    assert "We forgot that device." in notice(portal)
    assert "No device is remembered." in page.get_by_role("main").inner_text()
    assert "__Host-vestibule-device" not in {c["name"] for c in portal.context.cookies()}
    portal.check("remembered-devices-none")


# rule W1, W2, M5, N4
def test_a_practice_s_communications_are_sent_where_the_patient_chooses_W1_W2_M5_N4(
    portal: Portal, jane: dict[str, str]
):
    sign_in(portal)
    page = portal.open("/account")
    page.get_by_role("link", name="Choose how each practice contacts you").click()
    assert "By email" in page.locator(".summary-list").inner_text()
    portal.check("preferences")
    page.get_by_role("link", name="Change how Lakeside Family Medicine contacts you").click()
    portal.check("preference")

    page.get_by_label("By text message").check()
    page.get_by_role("button", name="Save").click()
    assert "first add your cell phone" in error_summary(portal)
    portal.check("preference-needs-a-cell-phone")

    page.get_by_label("By email", exact=True).check()
    page.get_by_label("Email address for this practice (optional)").fill("jane.work@example.com")
    page.get_by_role("button", name="Save").click()
    assert notice(portal) == "Saved: how Lakeside Family Medicine contacts you."
    assert "Emails go to jane.work@example.com" in page.locator(".summary-list").inner_text()


# rule W1, X2, P3
def test_the_activity_names_who_acted_in_plain_words_W1_X2_P3(
    portal: Portal, stack: Stack, jane: dict[str, str]
):
    patient_id = a_representative_and_staff_acted(stack, jane)
    sign_in(portal)
    page = portal.open("/account")
    page.get_by_role("link", name="Who used your record").click()
    shown = page.get_by_role("main").inner_text()
    for words in (
        "Your trusted representative Maria Lopez",
        "Opened your health records",
        "Avery Admin, staff at Lakeside Family Medicine",
        "Looked at your record",
        "Invited a trusted representative to act for you",
    ):
        assert words in shown
    entry = page.locator(".card").filter(has_text="Invited a trusted representative")
    assert "You" in entry.inner_text()
    assert patient_id not in page.content()
    assert not re.search(r"\b(staff|account|patient):", page.content())
    portal.check("activity")


# rule W3, X2
def test_the_activity_in_spanish_W3_X2(portal: Portal, stack: Stack, jane: dict[str, str]):
    a_representative_and_staff_acted(stack, jane)
    sign_in(portal)
    page = portal.open("/account/activity?lang=es")
    shown = page.get_by_role("main").inner_text()
    assert "Su representante de confianza Maria Lopez" in shown
    assert "Avery Admin, del personal de Lakeside Family Medicine" in shown
    portal.check("activity-es")
