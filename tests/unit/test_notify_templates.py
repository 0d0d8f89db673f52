"""Every template kind rendered with sample parameters: what each tells the person, and what no
message may carry."""

from __future__ import annotations

import re

import pytest

from services.notify.domain import TEMPLATE_PARAMETERS, Template
from services.notify.rendering import Renderer

SAMPLE = {
    "practice_name": "Riverside Family Clinic",
    "practice_phone": "(415) 555-0199",
    "first_name": "Alex",
    "patient_first_name": "Sam",
    "activation_url": "https://portal.example.org/proxy#token=pr0xy-t0ken",
    "expires_on": "December 22, 2026",
    "code": "123456",
    "minutes_valid": "30",
    "notice": "unenrolled",
    "lock_minutes": "15",
    "username": "JaneDoe84",
    "reset_url": "https://portal.example.org/reset#token=r3set-t0ken",
    "access_ends_on": "June 3, 2027",
}
MARKUP = 'Smith & Jones <script>alert("x")</script>'
PERSONAL = ("first_name", "patient_first_name", "username")


def parameters(template: Template, **overrides: str) -> dict[str, str]:
    """The sample values of every parameter `template` takes, required and optional."""
    names = TEMPLATE_PARAMETERS[template].required | TEMPLATE_PARAMETERS[template].optional
    return {name: SAMPLE[name] for name in names} | overrides


def with_markup(template: Template) -> dict[str, str]:
    """Every parameter set to markup, except the notice kind, which picks the text."""
    values = dict.fromkeys(parameters(template), MARKUP)
    if "notice" in values:
        values["notice"] = "unenrolled"
    return values


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def parts(renderer: Renderer, template: Template, values: dict[str, str]) -> list[str]:
    """Subject, text body, HTML body and text message."""
    email = renderer.email(template, values)
    return [email.subject, email.text, email.html, renderer.sms(template, values)]


# rule P1
def test_guardian_invitation_asks_for_the_dependents_zip_code_and_birth_date_P1(renderer):
    values = parameters(Template.GUARDIAN_INVITATION)
    for part in parts(renderer, Template.GUARDIAN_INVITATION, values)[1:]:
        assert values["activation_url"] in part
        assert "Sam's ZIP code and date of birth" in part
        assert "December 22, 2026" in part


# rule P3
def test_representative_invitation_says_whom_the_representative_acts_for_P3(renderer):
    values = parameters(Template.REPRESENTATIVE_INVITATION)
    email = renderer.email(Template.REPRESENTATIVE_INVITATION, values)
    assert "trusted representative" in email.subject
    for part in (email.text, email.html):
        assert "be Sam's trusted representative on the Riverside Family Clinic patient" in part
        assert values["activation_url"] in part


# rule I7
def test_username_reminder_gives_the_username_I7(renderer):
    values = parameters(Template.USERNAME_REMINDER)
    for part in parts(renderer, Template.USERNAME_REMINDER, values)[1:]:
        assert "JaneDoe84" in part


# rule I8
def test_password_reset_link_says_for_how_long_it_works_and_that_it_works_once_I8(renderer):
    values = parameters(Template.PASSWORD_RESET_LINK)
    for part in parts(renderer, Template.PASSWORD_RESET_LINK, values)[1:]:
        assert values["reset_url"] in part
        assert "within 30 minutes" in part
        assert "works once" in part


# rule I8
def test_practice_token_notice_says_the_token_comes_from_the_practice_I8(renderer):
    email = renderer.email(
        Template.PRACTICE_TOKEN_NOTICE, parameters(Template.PRACTICE_TOKEN_NOTICE)
    )
    for part in (email.text, email.html):
        assert "gives you the 8-digit token itself, in person or by phone" in part
        assert "contact them right away at (415) 555-0199" in part


# rule E13
def test_unenrolled_notice_says_to_contact_the_practice_to_be_reactivated_E13(renderer):
    values = parameters(Template.ACCOUNT_NOTICE, notice="unenrolled")
    for part in parts(renderer, Template.ACCOUNT_NOTICE, values)[1:]:
        assert "contact Riverside Family Clinic at (415) 555-0199" in part
        assert "re-activate your account, and you keep your username and password" in part


# rule I5, X3
def test_sign_up_attempt_notice_says_to_sign_in_or_recover_the_username_I5_X3(renderer):
    values = parameters(Template.ACCOUNT_NOTICE, notice="sign_up_attempted")
    subject, *bodies = parts(renderer, Template.ACCOUNT_NOTICE, values)
    assert subject == "Someone tried to create a portal account with your email"
    for part in bodies:
        assert "no account was made with it" in part
        assert "sign in with your username" in part
        assert "Forgot username" in part
        assert "If you did not make this change" not in part


@pytest.mark.parametrize(
    "notice",
    [
        "username_changed",
        "password_reset",
        "password_changed",
        "email_changed",
        "accounts_merged",
        "unenrolled",
        "account_locked",
        "proxy_access_changed",
        "sign_up_attempted",
    ],
)
# rule I6 N3
def test_every_account_notice_kind_has_its_own_subject_and_text_I6_N3(renderer, notice):
    generic = renderer.email(Template.ACCOUNT_NOTICE, {"notice": "something_else"})
    email = renderer.email(Template.ACCOUNT_NOTICE, {"notice": notice})
    assert email.subject != generic.subject
    assert "There was a change to your patient portal account." not in email.text


# rule P7
def test_age_out_notice_tells_the_patient_when_guardian_access_ends_P7(renderer):
    values = parameters(Template.AGE_OUT_PATIENT)
    for part in parts(renderer, Template.AGE_OUT_PATIENT, values)[1:]:
        assert "June 3, 2027" in part
        assert "guardian's access" in part
        assert "Enroll on your own" in part


# rule P7
def test_age_out_notice_tells_the_guardian_whose_access_ends_and_when_P7(renderer):
    values = parameters(Template.AGE_OUT_GUARDIAN)
    for part in parts(renderer, Template.AGE_OUT_GUARDIAN, values)[1:]:
        assert "As of June 3, 2027" in part or "as of June 3, 2027" in part
        assert "guardian access to Sam's patient portal account" in part


@pytest.mark.parametrize("template", list(Template))
# rule N1
def test_html_escapes_markup_in_every_parameter_N1(renderer, template):
    html = renderer.email(template, with_markup(template)).html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("template", list(Template))
# rule N1
def test_text_and_sms_keep_markup_characters_without_entities_N1(renderer, template):
    email = renderer.email(template, with_markup(template))
    for part in (email.text, renderer.sms(template, with_markup(template))):
        assert MARKUP in part
        assert "&amp;" not in part and "&lt;" not in part


@pytest.mark.parametrize("template", list(Template))
# rule N1 N2
def test_every_text_message_fits_two_sms_segments_N1_N2(renderer, template):
    body = renderer.sms(template, parameters(template))
    assert "\n" not in body and len(body) <= 320


@pytest.mark.parametrize("template", list(Template))
# rule X1
def test_subjects_name_no_person_X1(renderer, template):
    values = parameters(template)
    subject = renderer.email(template, values).subject
    for name in PERSONAL:
        if name in values:
            assert values[name] not in subject


# rule X1
def test_no_template_takes_clinical_data_or_identifying_details_beyond_a_first_name_X1():
    taken = set().union(*(p.required | p.optional for p in TEMPLATE_PARAMETERS.values()))
    forbidden = re.compile(r"last_name|birth|zip|address|email|diagnos|medication|result|visit")
    assert not [name for name in taken if forbidden.search(name)]
