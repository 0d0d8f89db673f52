"""Signing in and out in a real browser (W1 to W4, I4, I10): every page passes axe-core at
phone and desktop width, errors are named and take focus, it works without JavaScript, and in
Spanish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def jane(stack: Stack) -> str:
    """Jane, activated with her questions answered: her username."""
    answer_security_questions(stack, activated_patient_session(stack))
    return "JaneDoe84"


def sign_in(portal, username: str, password: str) -> None:
    page = portal.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


# rule W1, W2, W4, I10
def test_a_patient_signs_in_reaches_home_and_signs_out_W1_W2_W4_I10(portal, jane):
    page = portal.open("/")
    assert page.url.endswith("/sign-in")
    portal.check("sign-in")

    sign_in(portal, jane, PASSWORD)

    assert page.url.endswith("/home")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, JaneDoe84"
    portal.check("home")
    page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/sign-in?signed_out=1")
    assert page.get_by_role("status").inner_text() == "You have signed out."
    portal.check("signed-out")
    assert portal.open("/home").url.endswith("/sign-in?next=/home")


# rule W2, X3
def test_a_wrong_password_is_named_in_a_summary_that_takes_focus_W2_X3(portal, jane):
    portal.open("/sign-in")

    sign_in(portal, jane, "not the password")

    summary = portal.page.get_by_role("alert")
    assert "The username or password is incorrect." in summary.inner_text()
    expect(summary).to_be_focused()
    assert portal.page.title().startswith("Error:")
    assert portal.page.get_by_label("Username").input_value() == jane
    assert portal.page.get_by_label("Password", exact=True).input_value() == ""
    portal.check("sign-in-wrong-password")


# rule W4
def test_signing_in_works_without_javascript_W4(browser, stack: Stack, jane):
    context = browser.new_context(ignore_https_errors=True, java_script_enabled=False)
    try:
        from tests.e2e.browser import Portal

        portal = Portal(context, stack.shared.portal_url, "sign-in-without-javascript")
        portal.open("/sign-in")
        sign_in(portal, jane, PASSWORD)
        assert portal.page.url.endswith("/home")
    finally:
        context.close()


# rule W3
def test_the_language_switch_shows_the_page_in_spanish_and_remembers_it_W3(portal, jane):
    page = portal.open("/sign-in")
    page.get_by_role("link", name="Español").click()

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Inicie sesión en su portal de pacientes"
    )
    assert page.locator("html").get_attribute("lang") == "es"
    portal.check("sign-in-es")
    page.get_by_label("Nombre de usuario").fill(jane)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bienvenido/a, JaneDoe84"
