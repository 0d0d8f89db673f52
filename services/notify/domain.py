"""Notify rules: channels, templates, parameters, recipients, practice branding, delivery states
(N1, N2, N5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from services.common import contacts
from services.common.errors import FieldViolation
from services.notify.errors import InvalidBranding, InvalidNotification

# Printable ASCII without spaces: the key travels in a mail header and must not break it.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Template(StrEnum):
    """The messages notify sends; each is a folder of `templates/`."""

    INVITATION = "invitation"
    VERIFICATION_CODE = "verification_code"
    # Account activity notices (I6), "unenrolled" (E13) among them.
    ACCOUNT_NOTICE = "account_notice"
    GUARDIAN_INVITATION = "guardian_invitation"
    REPRESENTATIVE_INVITATION = "representative_invitation"
    USERNAME_REMINDER = "username_reminder"
    PASSWORD_RESET_LINK = "password_reset_link"  # noqa: S105 - a template name, not a password
    PRACTICE_TOKEN_NOTICE = "practice_token_notice"  # noqa: S105 - a template name, not a token
    AGE_OUT_PATIENT = "age_out_patient"
    AGE_OUT_GUARDIAN = "age_out_guardian"


class PreferredMethod(StrEnum):
    """How a person wants a practice's communications to reach them (M5, N4)."""

    EMAIL = "email"
    SMS = "sms"
    BOTH = "both"


def channels_for(
    method: PreferredMethod, *, email: str | None, cell_phone: str | None
) -> list[tuple[Channel, str]]:
    """Where a communication goes (N4): the preferred channels that have an address, or, when
    none of them has one, whichever the person has, so it still reaches them."""
    wanted = {
        PreferredMethod.EMAIL: [Channel.EMAIL],
        PreferredMethod.SMS: [Channel.SMS],
        PreferredMethod.BOTH: [Channel.EMAIL, Channel.SMS],
    }[method]
    known = {Channel.EMAIL: email, Channel.SMS: cell_phone}
    chosen = [(channel, known[channel]) for channel in wanted if known[channel]]
    if chosen:
        return chosen  # type: ignore[return-value]
    return [(channel, address) for channel, address in known.items() if address]


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Parameters:
    """The names a template needs, and those it can use when given."""

    required: frozenset[str]
    optional: frozenset[str] = field(default_factory=frozenset)


PRACTICE = frozenset({"practice_name"})
PRACTICE_CONTACT = frozenset({"practice_phone"})
PROXY_INVITATION = frozenset(
    {"practice_name", "first_name", "patient_first_name", "activation_url", "expires_on"}
)
AGE_OUT = frozenset({"practice_name", "first_name", "access_ends_on"})

# Messages carry no clinical data and the least PHI that does the job: a first name, never a
# last name, date of birth, address or age. Subjects name no person (mail systems log them).
TEMPLATE_PARAMETERS: Mapping[Template, Parameters] = {
    Template.INVITATION: Parameters(
        required=frozenset({"practice_name", "first_name", "activation_url", "expires_on"}),
        optional=PRACTICE_CONTACT,
    ),
    Template.VERIFICATION_CODE: Parameters(required=frozenset({"code", "minutes_valid"})),
    Template.ACCOUNT_NOTICE: Parameters(
        required=frozenset({"notice"}),
        optional=PRACTICE | PRACTICE_CONTACT | {"lock_minutes"},
    ),
    Template.GUARDIAN_INVITATION: Parameters(required=PROXY_INVITATION, optional=PRACTICE_CONTACT),
    Template.REPRESENTATIVE_INVITATION: Parameters(
        required=PROXY_INVITATION, optional=PRACTICE_CONTACT
    ),
    Template.USERNAME_REMINDER: Parameters(required=frozenset({"username"})),
    Template.PASSWORD_RESET_LINK: Parameters(required=frozenset({"reset_url", "minutes_valid"})),
    # The token itself is given by the practice in person or by phone, never sent.
    Template.PRACTICE_TOKEN_NOTICE: Parameters(required=PRACTICE, optional=PRACTICE_CONTACT),
    Template.AGE_OUT_PATIENT: Parameters(required=AGE_OUT, optional=PRACTICE_CONTACT),
    Template.AGE_OUT_GUARDIAN: Parameters(
        required=AGE_OUT | {"patient_first_name"}, optional=PRACTICE_CONTACT
    ),
}

# The names the shared layout reads: the header's name and logo, the footer's phone. Notify
# fills them itself; a request that sends one is refused like any unknown parameter.
LAYOUT_PARAMETERS = frozenset({"brand_name", "brand_phone", "brand_logo_url"})


@dataclass(frozen=True)
class Request:
    """A notification request that passed validation; `recipient` is normalized."""

    idempotency_key: str
    channel: Channel
    template: Template
    recipient: str
    parameters: Mapping[str, str]
    # Where to send the same message when the recipient turns out undeliverable (N1).
    fallback: tuple[Channel, str] | None = None


def _recipient_problem(channel: Channel, recipient: str) -> tuple[str, str | None]:
    """The normalized recipient, or the original and what is wrong with it. A number must come
    already in E.164 form, as every service writes it (services.common.contacts)."""
    try:
        if channel is Channel.EMAIL:
            return contacts.email_address(recipient), None
        if contacts.phone_number(recipient) == recipient:
            return recipient, None
    except contacts.InvalidContact as error:
        return recipient, str(error)
    return recipient, "Give the phone number in E.164 form, e.g. +14155550100."


def is_https_link(value: str) -> bool:
    """Whether `value` is an absolute https URL with a host, without credentials or white space:
    a link a message may carry (X4), never `javascript:` or plain http."""
    if any(not character.isprintable() or character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and parts.username is None
        and parts.password is None
    )


def _parameter_problems(template: Template, parameters: Mapping[str, str]) -> list[FieldViolation]:
    expected = TEMPLATE_PARAMETERS[template]
    missing = sorted(name for name in expected.required if not parameters.get(name, "").strip())
    unknown = sorted(set(parameters) - expected.required - expected.optional)
    links = sorted(
        name
        for name in (expected.required | expected.optional) & set(parameters)
        if name.endswith("_url")
        and parameters[name].strip()
        and not is_https_link(parameters[name])
    )
    problems = [(name, "Required by this template.") for name in missing]
    problems += [(name, "Not a parameter of this template.") for name in unknown]
    problems += [(name, "Give an https:// link.") for name in links]
    return [FieldViolation(f"parameters.{name}", description) for name, description in problems]


def validated(
    *,
    idempotency_key: str,
    channel: Channel | None,
    template: Template | None,
    recipient: str,
    parameters: Mapping[str, str],
    fallback_channel: Channel | None = None,
    fallback_recipient: str = "",
) -> Request:
    """The request, normalized; raises InvalidNotification naming every wrong field. A
    fallback, when given, is the other channel and a valid recipient for it."""
    violations: list[FieldViolation] = []
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        violations.append(
            FieldViolation("idempotency_key", "Required: 1 to 200 printable characters, no spaces.")
        )
    if channel is None:
        violations.append(FieldViolation("channel", "Required: email or SMS."))
    else:
        recipient, problem = _recipient_problem(channel, recipient)
        if problem:
            violations.append(FieldViolation("recipient", problem))
    if template is None:
        violations.append(FieldViolation("template", "Required."))
    else:
        violations += _parameter_problems(template, parameters)
    fallback = None
    if fallback_recipient or fallback_channel is not None:
        if fallback_channel is None or fallback_channel is channel:
            violations.append(
                FieldViolation("fallback_channel", "Required with a fallback: the other channel.")
            )
        else:
            fallback_recipient, problem = _recipient_problem(fallback_channel, fallback_recipient)
            if problem:
                violations.append(FieldViolation("fallback_recipient", problem))
            fallback = (fallback_channel, fallback_recipient)
    if violations or channel is None or template is None:
        raise InvalidNotification("Correct the notification request.", violations=violations)
    return Request(idempotency_key, channel, template, recipient, dict(parameters), fallback)


MAX_PRACTICE_ID = 64
MAX_DISPLAY_NAME = 200
MAX_CONTACT_PHONE = 40
MAX_LOGO_URL = 500


@dataclass(frozen=True)
class Branding:
    """How a practice appears in the messages sent for it. An empty field sets nothing: the
    caller's practice_name and practice_phone show instead, and the header has no logo."""

    display_name: str = ""
    contact_phone: str = ""
    logo_url: str = ""


def _is_phone(value: str) -> bool:
    try:
        contacts.phone_number(value)
    except contacts.InvalidContact:
        return False
    return True


def validated_branding(
    *, practice_id: str, display_name: str, contact_phone: str, logo_url: str
) -> Branding:
    """The branding, trimmed (the phone as the practice writes it); raises InvalidBranding
    naming every wrong field."""
    display_name, contact_phone, logo_url = (
        " ".join(value.split()) for value in (display_name, contact_phone, logo_url)
    )
    problems = []
    if not practice_id.strip() or len(practice_id) > MAX_PRACTICE_ID:
        problems.append(("practice_id", f"Required: the practice's ID, {MAX_PRACTICE_ID} at most."))
    if len(display_name) > MAX_DISPLAY_NAME or not display_name.isprintable():
        problems.append(("display_name", f"Use one line of at most {MAX_DISPLAY_NAME} characters."))
    if contact_phone and (len(contact_phone) > MAX_CONTACT_PHONE or not _is_phone(contact_phone)):
        problems.append(("contact_phone", "Give a valid phone number, e.g. (415) 555-0100."))
    if logo_url and (len(logo_url) > MAX_LOGO_URL or not is_https_link(logo_url)):
        problems.append(
            ("logo_url", f"Give an https:// link of at most {MAX_LOGO_URL} characters.")
        )
    if problems:
        raise InvalidBranding(
            "Fix the fields named and save the branding again; nothing was changed.",
            violations=[FieldViolation(name, description) for name, description in problems],
        )
    return Branding(display_name, contact_phone, logo_url)


def branded(
    template: Template, parameters: Mapping[str, str], branding: Branding
) -> dict[str, str]:
    """The parameters to render with. Branding wins: where the practice set a display name or a
    phone, it replaces the caller's practice_name and practice_phone in the templates that take
    them, so a message names the practice one way throughout. The layout gets the name, phone
    and logo the practice set."""
    names = TEMPLATE_PARAMETERS[template].required | TEMPLATE_PARAMETERS[template].optional
    result = dict(parameters)
    for name, value in (
        ("practice_name", branding.display_name),
        ("practice_phone", branding.contact_phone),
    ):
        if value and name in names:
            result[name] = value
    layout = {
        "brand_name": branding.display_name,
        "brand_phone": branding.contact_phone,
        "brand_logo_url": branding.logo_url,
    }
    return result | {name: value for name, value in layout.items() if value}
