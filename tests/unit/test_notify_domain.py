"""Notify request validation and the give-up rule, without a server."""

from __future__ import annotations

import pytest

from services.notify.domain import TEMPLATE_PARAMETERS, Channel, Template, validated
from services.notify.errors import InvalidNotification

CODE = {"code": "123456", "minutes_valid": "10"}


def check(**overrides):
    values = {
        "idempotency_key": "code-1",
        "channel": Channel.SMS,
        "template": Template.VERIFICATION_CODE,
        "recipient": "+14155550100",
        "parameters": CODE,
    }
    return validated(**{**values, **overrides})


def violations(**overrides) -> list[str]:
    with pytest.raises(InvalidNotification) as raised:
        check(**overrides)
    return [violation.field for violation in raised.value.violations]


# rule N2
def test_email_recipient_is_normalized_N2():
    request = check(channel=Channel.EMAIL, recipient="Jane.Doe@EXAMPLE.com")
    assert request.recipient == "Jane.Doe@example.com"


@pytest.mark.parametrize("phone", ["4155550100", "+1 415 555 0100", "+1415555", "phone"])
# rule N2
def test_sms_recipient_must_be_e164_N2(phone):
    assert violations(recipient=phone) == ["recipient"]


# rule N2
def test_email_recipient_must_be_an_address_N2():
    assert violations(channel=Channel.EMAIL, recipient="+14155550100") == ["recipient"]


# rule N1
def test_every_missing_field_is_named_at_once_N1():
    assert violations(idempotency_key="", channel=None, template=None) == [
        "idempotency_key",
        "channel",
        "template",
    ]


# rule N1
def test_blank_and_unknown_parameters_are_named_N1():
    assert violations(parameters={"code": " ", "minutes_valid": "10", "name": "x"}) == [
        "parameters.code",
        "parameters.name",
    ]


# rule N1
def test_optional_invitation_parameter_is_accepted_N1():
    parameters = {
        "practice_name": "Riverside",
        "first_name": "Jane",
        "activation_url": "https://portal.example.org/a/t",
        "expires_on": "December 22, 2026",
        "practice_phone": "+14155550199",
    }
    assert check(template=Template.INVITATION, parameters=parameters).parameters == parameters


def required(template: Template) -> dict[str, str]:
    """A value for each parameter `template` requires."""
    names = TEMPLATE_PARAMETERS[template].required
    return {
        name: "https://portal.example.org/x" if name.endswith("_url") else "x" for name in names
    }


@pytest.mark.parametrize("template", list(Template))
# rule N1
def test_every_template_names_a_missing_required_parameter_N1(template):
    missing = sorted(TEMPLATE_PARAMETERS[template].required)[0]
    parameters = {k: v for k, v in required(template).items() if k != missing}
    assert violations(template=template, parameters=parameters) == [f"parameters.{missing}"]


@pytest.mark.parametrize("template", list(Template))
# rule N1
def test_every_template_names_an_unknown_parameter_N1(template):
    parameters = {**required(template), "last_name": "Doe"}
    assert violations(template=template, parameters=parameters) == ["parameters.last_name"]


@pytest.mark.parametrize(
    "link",
    [
        "http://portal.example.org/reset#token=t",
        "javascript:alert(1)",
        "https://user:pw@portal.example.org/reset",
        "https:///reset",
        "https://portal.example.org/re set",
        "https://portal.example.org:port/reset",
    ],
)
# rule I8 X4
def test_a_link_parameter_must_be_an_https_link_I8_X4(link):
    parameters = {"reset_url": link, "minutes_valid": "30"}
    assert violations(template=Template.PASSWORD_RESET_LINK, parameters=parameters) == [
        "parameters.reset_url"
    ]


# rule N1
def test_callers_cannot_set_the_layouts_branding_parameters_N1():
    parameters = {**required(Template.INVITATION), "brand_logo_url": "https://x.example/l.png"}
    assert violations(template=Template.INVITATION, parameters=parameters) == [
        "parameters.brand_logo_url"
    ]


# rule I8
def test_practice_token_notice_refuses_the_token_itself_I8():
    parameters = {**required(Template.PRACTICE_TOKEN_NOTICE), "token": "12345678"}
    assert violations(template=Template.PRACTICE_TOKEN_NOTICE, parameters=parameters) == [
        "parameters.token"
    ]


# rule E13
def test_account_notice_takes_the_practice_phone_E13():
    parameters = {"notice": "unenrolled", "practice_name": "Riverside", "practice_phone": "555"}
    assert check(template=Template.ACCOUNT_NOTICE, parameters=parameters).parameters == parameters


# rule N5
def test_idempotency_key_with_a_line_break_is_refused_N5():
    assert violations(idempotency_key="a\r\nBcc: x") == ["idempotency_key"]
