"""Contact details a code goes to (I5, N2): email and cell phone, normalized and masked."""

from __future__ import annotations

from services.common import contacts
from services.common.errors import FieldViolation
from services.identity.errors import InvalidRequest


def normalize_email(email: str) -> str:
    """A valid email address in one canonical form, or InvalidRequest on "email".

    Lower-cased in full, not only the domain: a verified email must be unique (I5) whatever the
    letter case, and mail providers treat the local part case-insensitively.
    """
    try:
        return contacts.email_address(email).lower()
    except contacts.InvalidContact as error:
        raise InvalidRequest(
            str(error), violations=[FieldViolation("email", "Not a valid email address.")]
        ) from None


def normalize_cell_phone(phone: str) -> str:
    """A valid phone number in E.164 form (+14155552671), or InvalidRequest on "cell_phone"."""
    try:
        return contacts.phone_number(phone)
    except contacts.InvalidContact as error:
        raise InvalidRequest(
            str(error), violations=[FieldViolation("cell_phone", "Not a valid phone number.")]
        ) from None


def mask_email(email: str) -> str:
    """The address with the local part hidden but its first character: j***@example.com."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    """The number with all but its last four digits hidden: ***-***-2671."""
    return f"***-***-{phone[-4:]}"
