"""Forgot password, reset by email link, in a real browser (I8 a, W1 to W4, X1, X3): from the
sign-in page to the link in the real SMTP sink, the new password, and signing in with it;
without JavaScript by pasting the link; an expired link; the authenticator's code; in
Spanish."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack
from tests.e2e.recovery_pages import (
    NEW_PASSWORD,
    USERNAME,
    change_password,
    choose_way,
    jane_with_questions,
    reset_link_in_mail,
    sign_in,
    signs_in_with_the_new_password,
)
from tests.e2e.test_remembered_devices import _with_app_on

pytestmark = pytest.mark.e2e


def ask_for_a_link(portal: Portal, login: str) -> None:
    page = choose_way(portal, "Send me a link by email")
    portal.check("reset-by-email")
    page.get_by_label("Username or email address").fill(login)
    page.get_by_role("button", name="Send me a link").click()


# rule I8, W1, W2
def test_a_patient_resets_the_password_from_the_emailed_link_and_signs_in_I8_W1_W2(
    portal, stack: Stack
):
    jane_with_questions(stack)
    page = portal.open("/sign-in")
    page.get_by_role("link", name="I forgot my password").click()
    assert page.url.endswith("/forgot-password")
    portal.check("forgot-password-ways")
    ask_for_a_link(portal, "janedoe84")
    assert page.url.endswith("/forgot-password/email/sent")
    portal.check("reset-link-sent")

    page = portal.open(reset_link_in_mail(stack))
    expect(page).to_have_url(re.compile(r"/reset-password$"))  # the script took the token out
    expect(page.get_by_label("The link from the email")).to_be_hidden()
    portal.check("reset-link-opened")
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/reset-password/new-password")
    assert "For the portal account JaneDoe84." in page.inner_text("main")
    portal.check("reset-link-new-password")
    change_password(page)

    assert page.url.endswith("/forgot-password/done")
    portal.check("reset-done")
    signs_in_with_the_new_password(portal)


# rule X3
def test_asking_for_a_link_reads_the_same_for_an_unknown_account_X3(portal, stack: Stack):
    jane_with_questions(stack)
    ask_for_a_link(portal, "janedoe84")
    known = portal.page.inner_text("main")
    ask_for_a_link(portal, "nobody-here")
    assert portal.page.url.endswith("/forgot-password/email/sent")
    assert portal.page.inner_text("main") == known


# rule W4, I8, X1
def test_the_reset_link_works_without_javascript_by_pasting_it_W4_I8_X1(
    browser, stack: Stack, request
):
    jane_with_questions(stack)
    assert stack.api.post("/patient/recovery/password", json={"login": USERNAME}).status_code == 202
    link = reset_link_in_mail(stack)
    context = browser.new_context(ignore_https_errors=True, java_script_enabled=False)
    try:
        portal = Portal(context, stack.shared.portal_url, request.node.name)
        page = portal.open(link)
        box = page.get_by_label("The link from the email")
        expect(box).to_be_visible()
        box.fill(link)
        page.get_by_role("button", name="Continue").click()
        change_password(page)
        assert page.url.endswith("/forgot-password/done"), page.url
        signs_in_with_the_new_password(portal)
    finally:
        context.close()


# rule I8, W2
def test_an_expired_link_says_to_ask_for_a_new_one_I8_W2(portal, stack: Stack, clock):
    jane_with_questions(stack)
    ask_for_a_link(portal, USERNAME)
    link = reset_link_in_mail(stack)
    clock.shift(timedelta(minutes=31))

    page = portal.open(link)
    page.get_by_role("button", name="Continue").click()

    summary = page.get_by_role("alert")
    assert "This reset link does not work any more" in summary.inner_text()
    expect(summary).to_be_focused()
    expect(page.get_by_role("link", name="Get a new link by email")).to_be_visible()
    portal.check("reset-link-expired")


# rule I8, I4, W2
def test_with_the_app_on_the_reset_asks_for_its_code_and_names_a_wrong_one_I8_I4_W2(
    portal, stack: Stack
):
    recovery_codes = _with_app_on(stack)
    ask_for_a_link(portal, USERNAME)
    page = portal.open(reset_link_in_mail(stack))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("One of my recovery codes").check()
    page.get_by_label("Code", exact=True).fill("not-a-code")
    change_password(page)

    assert "That code is not right" in page.get_by_role("alert").inner_text()
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    portal.check("reset-link-wrong-code")
    page.get_by_label("One of my recovery codes").check()
    page.get_by_label("Code", exact=True).fill(recovery_codes[0])
    change_password(page)

    assert page.url.endswith("/forgot-password/done"), page.url
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, USERNAME, NEW_PASSWORD)
    assert page.url.endswith("/sign-in/code")  # the new password, then the app's code


# rule W3, I8
def test_a_spanish_speaker_resets_the_password_by_link_W3_I8(browser, stack: Stack, request):
    jane_with_questions(stack)
    context = browser.new_context(ignore_https_errors=True, locale="es-MX")
    try:
        portal = Portal(context, stack.shared.portal_url, request.node.name)
        page = portal.open("/sign-in")
        page.get_by_role("link", name="Olvidé mi contraseña").click()
        portal.check("forgot-password-ways-es")
        page.get_by_label("Enviarme un enlace por correo electrónico").check()
        page.get_by_role("button", name="Continuar").click()
        page.get_by_label("Nombre de usuario o correo electrónico").fill(USERNAME)
        page.get_by_role("button", name="Enviarme un enlace").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Revise su correo electrónico"
        portal.check("reset-link-sent-es")

        page = portal.open(reset_link_in_mail(stack))
        page.get_by_role("button", name="Continuar").click()
        portal.check("reset-link-new-password-es")
        page.get_by_label("Contraseña nueva").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Cambiar mi contraseña").click()

        assert page.get_by_role("heading", level=1).inner_text() == "Su contraseña ha cambiado"
        portal.check("reset-done-es")
    finally:
        context.close()
