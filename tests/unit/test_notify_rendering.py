"""Notification templates rendered from their files."""

from __future__ import annotations

import pytest

from services.notify.domain import TEMPLATE_PARAMETERS, Template
from services.notify.rendering import Renderer

INVITATION = {
    "practice_name": "Riverside Family Clinic",
    "first_name": "Jane",
    "activation_url": "https://portal.example.org/activate/t0ken",
    "expires_on": "December 22, 2026",
}
CODE = {"code": "123456", "minutes_valid": "10"}


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.mark.parametrize("template", list(Template))
# rule N1, N2
def test_every_template_renders_email_and_sms_from_required_parameters_N1_N2(renderer, template):
    parameters = {name: f"<{name}>" for name in TEMPLATE_PARAMETERS[template].required}
    email = renderer.email(template, parameters)
    assert email.subject and "\n" not in email.subject
    assert email.text and email.html and renderer.sms(template, parameters)


# rule N1
def test_invitation_email_tells_how_to_activate_and_until_when_N1(renderer):
    email = renderer.email(Template.INVITATION, INVITATION)
    assert email.subject == "Riverside Family Clinic invites you to your patient portal"
    for part in (email.text, email.html):
        assert INVITATION["activation_url"] in part
        assert "ZIP code and date of birth" in part
        assert "expires on December 22, 2026" in part


# rule N1
def test_invitation_shows_the_practice_phone_only_when_given_N1(renderer):
    without = renderer.email(Template.INVITATION, INVITATION).text
    with_phone = renderer.email(
        Template.INVITATION, {**INVITATION, "practice_phone": "(415) 555-0199"}
    ).text
    assert " at " not in without.split("expires on")[1].split("\n")[0]
    assert "at (415) 555-0199" in with_phone


# rule N1
def test_html_escapes_parameters_but_text_keeps_them_N1(renderer):
    hostile = {**INVITATION, "practice_name": '<script>alert("x")</script>'}
    email = renderer.email(Template.INVITATION, hostile)
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert '<script>alert("x")</script>' in email.text


# rule N2
def test_verification_code_text_N2(renderer):
    expected = "Your verification code is 123456. It expires in 10 minutes."
    assert renderer.sms(Template.VERIFICATION_CODE, CODE) == expected
    assert renderer.email(Template.VERIFICATION_CODE, CODE).text.startswith(expected)


# rule N1
def test_invitation_sms_is_one_short_line_N1(renderer):
    body = renderer.sms(Template.INVITATION, INVITATION)
    assert "\n" not in body and len(body) <= 320
    assert INVITATION["activation_url"] in body


# rule N1
def test_email_layout_names_the_practice_and_its_phone_in_header_and_footer_N1(renderer):
    email = renderer.email(Template.INVITATION, {**INVITATION, "practice_phone": "(415) 555-0199"})
    header, _, rest = email.html.partition("Hello Jane")
    assert "Riverside Family Clinic" in header
    assert "Riverside Family Clinic &middot; (415) 555-0199" in rest
    assert email.text.endswith(
        "Riverside Family Clinic, (415) 555-0199\n"
        "This message was sent automatically. Please do not reply to it."
    )
