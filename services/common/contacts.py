"""Email addresses and phone numbers: one check and one written form for every one the product
takes, whichever route or service it comes through, so an address accepted anywhere is one
notify can send to."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL_HELP = "Enter an email address like name@example.com."
PHONE_HELP = (
    "Enter a phone number like +1 312 555 0142; a number without a country code is read as a "
    "US number."
)
# The region a number written without its country code is read in.
DEFAULT_REGION = "US"


class InvalidContact(ValueError):
    """The value is not an email address or phone number; the message says what to enter."""


def email_address(value: str) -> str:
    """The address with surrounding space removed and its domain normalized; InvalidContact
    when it is not a deliverable form (no domain, white space inside, and so on)."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidContact(EMAIL_HELP) from None


def phone_number(value: str) -> str:
    """The number in E.164 form (+13125550142), one without a country code read as a US
    number; InvalidContact when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(value.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidContact(PHONE_HELP) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact(PHONE_HELP)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
