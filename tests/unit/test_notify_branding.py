"""A practice's branding: what it may hold, how it wins over the caller's values, and how the
layout shows it."""

from __future__ import annotations

import pytest

from services.notify.domain import Branding, Template, branded, validated_branding
from services.notify.errors import InvalidBranding
from services.notify.rendering import Renderer
from tests.unit.test_notify_templates import parameters

LOGO = "https://cdn.example.org/riverside/logo.png"
BRANDING = Branding("Riverside Pediatrics", "(415) 555-0123", LOGO)


def branding(**overrides: str) -> Branding:
    values = {
        "practice_id": "practice-1",
        "display_name": "Riverside Pediatrics",
        "contact_phone": "(415) 555-0123",
        "logo_url": LOGO,
    }
    return validated_branding(**{**values, **overrides})


def violations(**overrides: str) -> list[str]:
    with pytest.raises(InvalidBranding) as raised:
        branding(**overrides)
    return [violation.field for violation in raised.value.violations]


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.mark.parametrize(
    "logo",
    [
        "http://cdn.example.org/logo.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//cdn.example.org/logo.png",
        "https://cdn.example.org/" + "l" * 500,
    ],
)
# rule X4
def test_branding_logo_must_be_an_https_link_X4(logo):
    assert violations(logo_url=logo) == ["logo_url"]


@pytest.mark.parametrize("phone", ["555-0123", "call us", "+1 415 555 01234567"])
# rule N1
def test_branding_phone_must_be_a_phone_number_N1(phone):
    assert violations(contact_phone=phone) == ["contact_phone"]


# rule N1
def test_branding_names_every_wrong_field_at_once_N1():
    assert violations(
        practice_id=" ", display_name="x" * 201, contact_phone="call us", logo_url="http://x.org"
    ) == ["practice_id", "display_name", "contact_phone", "logo_url"]


# rule N1
def test_branding_is_trimmed_and_keeps_the_phone_as_the_practice_writes_it_N1():
    assert branding(
        display_name="  Riverside\n Pediatrics ", contact_phone=" +1 415 555 0123 "
    ) == (Branding("Riverside Pediatrics", "+1 415 555 0123", LOGO))


# rule N1
def test_empty_branding_fields_are_allowed_N1():
    assert branding(display_name="", contact_phone="", logo_url="") == Branding()


# rule N1
def test_branding_wins_over_the_callers_practice_name_and_phone_N1():
    values = branded(Template.INVITATION, parameters(Template.INVITATION), BRANDING)
    assert (values["practice_name"], values["practice_phone"]) == (
        "Riverside Pediatrics",
        "(415) 555-0123",
    )


# rule N1
def test_caller_values_stay_where_the_branding_sets_nothing_N1():
    values = branded(Template.INVITATION, parameters(Template.INVITATION), Branding(logo_url=LOGO))
    assert (values["practice_name"], values["practice_phone"]) == (
        "Riverside Family Clinic",
        "(415) 555-0199",
    )


# rule N2
def test_branding_adds_no_practice_parameter_a_template_does_not_take_N2():
    values = branded(Template.VERIFICATION_CODE, parameters(Template.VERIFICATION_CODE), BRANDING)
    assert "practice_name" not in values and "practice_phone" not in values
    assert values["brand_name"] == "Riverside Pediatrics"


# rule N1
def test_logo_and_phone_of_the_branding_head_and_close_the_html_email_N1(renderer):
    values = branded(Template.INVITATION, parameters(Template.INVITATION), BRANDING)
    html = renderer.email(Template.INVITATION, values).html
    header, _, footer = html.partition("Hello Alex")
    assert f'<img src="{LOGO}" alt="Riverside Pediatrics"' in header
    assert "Riverside Pediatrics &middot; (415) 555-0123" in footer


# rule N1
def test_html_without_a_logo_has_no_image_N1(renderer):
    html = renderer.email(Template.INVITATION, parameters(Template.INVITATION)).html
    assert "<img" not in html


# rule N1
def test_a_logo_link_cannot_break_out_of_its_attribute_N1(renderer):
    hostile = 'https://cdn.example.org/logo.png"onerror="alert(1)'
    values = branded(
        Template.VERIFICATION_CODE,
        parameters(Template.VERIFICATION_CODE),
        branding(logo_url=hostile),
    )
    html = renderer.email(Template.VERIFICATION_CODE, values).html
    assert 'src="https://cdn.example.org/logo.png&#34;onerror=&#34;alert(1)"' in html


# rule N1
def test_html_escapes_a_display_name_with_markup_N1(renderer):
    values = branded(
        Template.VERIFICATION_CODE,
        parameters(Template.VERIFICATION_CODE),
        branding(display_name="<script>alert(1)</script> Pediatrics"),
    )
    html = renderer.email(Template.VERIFICATION_CODE, values).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pediatrics" in html
