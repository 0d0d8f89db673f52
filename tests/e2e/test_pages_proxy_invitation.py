"""Accepting an invitation to act for someone in a real browser (W1 to W3, P1, P3, E10, X3),
from the message in the real SMTP sink: a representative creates an account and lands acting
for the patient; a guardian invited by staff signs in and accepts (in Spanish); a wrong ZIP
code or date of birth and a dead link say what to do."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack, text_of
from tests.e2e.proxy_pages import Patient, child, jane
from tests.e2e.test_account_settings import answer_security_questions, bearer
from tests.e2e.test_enrollment_journey import PASSWORD, code_in, staff_session
from tests.e2e.test_proxy_journeys import MARIA
from tests.e2e.test_proxy_journeys import PASSWORD as MARIAS_PASSWORD

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https://\S+/proxy-invitation#token=[A-Za-z0-9_-]+")


def link_in(stack: Stack, recipient: str, subject: str, count: int = 1) -> str:
    return LINK.search(text_of(stack.wait_for_mail(recipient, subject, count))).group(0)


def identify(page, zip_code: str, month: str, day: str, year: str) -> None:
    page.get_by_label("The patient's ZIP code").fill(zip_code)
    page.get_by_label("Month").fill(month)
    page.get_by_label("Day").fill(day)
    page.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Continue").click()


def invite_maria(stack: Stack) -> tuple[Patient, dict]:
    """Jane invites Maria as her representative, who may see only: Jane, and the invitation."""
    patient = jane(stack)
    invited = stack.api.post(
        "/patient/representatives",
        headers=patient.headers,
        json={**MARIA, "relationship_label": "spouse", "preset": "view_only"},
    )
    assert invited.status_code == 201, invited.text
    return patient, invited.json()


# rule P3, W1
def test_a_representative_creates_an_account_from_the_email_and_acts_for_the_patient_P3_W1(
    portal: Portal, stack: Stack
):
    invite_maria(stack)
    page = portal.open(link_in(stack, MARIA["email"], "trusted representative"))
    expect(page.get_by_label("The link from your invitation email")).to_be_hidden()
    assert "token" not in page.url
    portal.check("invitation-identify")
    identify(page, "60614", "03", "07", "1984")

    expect(page.get_by_role("main")).to_contain_text(
        "You are invited to act for Jane as their trusted representative."
    )
    portal.check("invitation-choose")
    page.get_by_role("link", name="No: create an account").click()
    expect(page.get_by_label("Your first name")).to_have_value("Maria")
    expect(page.get_by_label("Your email address")).to_have_value(MARIA["email"])
    portal.check("invitation-about-you")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Username").fill("MariaLopez")
    page.get_by_label("Password", exact=True).fill(MARIAS_PASSWORD)
    expect(page.locator("[data-requirement='min_length']")).to_have_class("met")
    portal.check("invitation-security-details")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code we emailed you")
    portal.check("invitation-code")
    page.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a new code to")
    page.get_by_label("Code").fill(code_in(stack.wait_for_mail(MARIA["email"], "code", 2)))
    page.get_by_role("button", name="Confirm and continue").click()

    # Signed in: a new account answers its security questions first (I3), on their own page.
    page.wait_for_url("**/account/security-questions/first")
    session = next(c for c in portal.context.cookies() if c["name"].endswith("session"))
    answer_security_questions(stack, bearer(session["value"]), password=MARIAS_PASSWORD)
    page = portal.open("/home")
    banner = "You are acting for Jane, as their trusted representative."
    expect(page.get_by_role("region", name=banner)).to_be_visible()
    page.get_by_role("link", name="Act for Jane").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jane's record")
    expect(page.get_by_role("main")).to_contain_text("See health records")
    portal.check("invitation-acting-for-jane")


# rule P1, W3
def test_a_guardian_invited_by_staff_signs_in_and_accepts_in_spanish_P1_W3(
    browser, stack: Stack, request: pytest.FixtureRequest
):
    patient = jane(stack)
    sam, born = child(stack)
    guardian = {**MARIA, "first_name": "Jane", "email": "jane.second@example.com"}
    invited = stack.api.post(
        f"/practice/patients/{sam}/guardians", headers=staff_session(stack), json=guardian
    )
    assert invited.status_code == 201, invited.text
    link = link_in(stack, guardian["email"], "parent or guardian")
    context = browser.new_context(ignore_https_errors=True, locale="es-MX")
    try:
        portal = Portal(context, stack.shared.portal_url, request.node.name)
        page = portal.open(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Acepte una invitación para actuar en nombre de otra persona"
        )
        page.get_by_label("Código postal del paciente").fill("60614")
        group = page.get_by_role("group", name="Fecha de nacimiento del paciente")
        parts = (f"{born.month:02d}", f"{born.day:02d}", str(born.year))
        for label, value in zip(("Mes", "Día", "Año"), parts, strict=True):
            group.get_by_label(label).fill(value)
        page.get_by_role("button", name="Continuar").click()
        portal.check("guardian-choose-es")
        page.get_by_role("link", name="Sí: iniciar sesión y aceptar").click()
        page.get_by_label("Nombre de usuario").fill(patient.username)
        page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
        page.get_by_label("¿Qué relación tiene con Sam?").fill("madre")
        portal.check("guardian-sign-in-es")
        page.get_by_role("button", name="Iniciar sesión y aceptar").click()

        assert page.url.endswith(f"/records/{sam}")
        banner = page.get_by_role("region", name=re.compile("Está actuando en nombre de Sam"))
        expect(banner).to_be_visible()
        portal.check("guardian-acting-for-sam-es")
    finally:
        context.close()


# rule E10, X3, W2
def test_a_wrong_answer_and_a_dead_link_say_what_to_do_E10_X3_W2(portal: Portal, stack: Stack):
    patient, invited = invite_maria(stack)
    page = portal.open(link_in(stack, MARIA["email"], "trusted representative"))

    identify(page, "60614", "03", "08", "1984")

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("This link, ZIP code or date of birth does not work.")
    expect(summary).to_contain_text("ask the person who invited you, or the practice")
    expect(page.get_by_label("Month")).to_have_attribute("aria-invalid", "true")
    portal.check("invitation-wrong-date-of-birth")

    resent = stack.api.post(
        f"/patient/records/{patient.patient_id}/proxies/{invited['relationship_id']}/resend",
        headers=patient.headers,
    )
    assert resent.status_code == 200, resent.text
    identify(page, "60614", "03", "07", "1984")

    expect(page.get_by_role("alert")).to_contain_text("the link may have expired or been replaced")
    portal.check("invitation-dead-link")
