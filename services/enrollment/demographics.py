"""Demographic values as staff enter them (E1): parsed, normalized, and checked field by field."""

from __future__ import annotations

import re
from datetime import date

from services.common import contacts
from services.common.errors import FieldViolation
from services.enrollment import domain
from services.enrollment.domain import BirthSex
from services.enrollment.models import Patient

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_MRN = re.compile(r"^[A-Za-z0-9./-]{1,32}$")
_MAX_NAME = 100
_MAX_STREET_ADDRESS = 100
_WHITESPACE = re.compile(r"\s+")


def normalize(
    raw: dict[str, str], *, today: date
) -> tuple[dict[str, object], list[FieldViolation]]:
    """Parses the given demographic values (empty string = clear the field). Returns the clean
    values and a violation for every value that is present but wrong."""
    clean: dict[str, object] = {}
    violations: list[FieldViolation] = []
    for name, value in raw.items():
        value = value.strip()
        if not value:
            clean[name] = None
            continue
        try:
            clean[name] = _PARSERS[name](value, today)
        except ValueError as error:
            violations.append(FieldViolation(name, str(error)))
    return clean, violations


def _name(value: str, _today: date) -> str:
    if len(value) > _MAX_NAME:
        raise ValueError(f"Use at most {_MAX_NAME} characters.")
    return value


def _date_of_birth(value: str, today: date) -> date:
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise ValueError("Use the form YYYY-MM-DD, e.g. 1984-03-07.") from None
    if born > today or born.year < 1900:
        raise ValueError("Enter a date of birth between 1900 and today.")
    return born


def _birth_sex(value: str, _today: date) -> BirthSex:
    try:
        return BirthSex(value.lower())
    except ValueError:
        raise ValueError("Use female, male or unknown.") from None


def _zip_code(value: str, _today: date) -> str:
    if not _ZIP.match(value):
        raise ValueError("Use a 5-digit ZIP code, or ZIP+4 like 60614-1234.")
    return value


def _email(value: str, _today: date) -> str:
    return contacts.email_address(value)


def phone_in_e164(value: str) -> str | None:
    """The phone number in E.164 (+13125550142), a number without a country code read as US;
    None when it is not a valid phone number."""
    try:
        return contacts.phone_number(value)
    except contacts.InvalidContact:
        return None


def _phone(value: str, _today: date) -> str:
    return contacts.phone_number(value)


def _street_address(value: str, _today: date) -> str:
    address = _WHITESPACE.sub(" ", value)
    if len(address) > _MAX_STREET_ADDRESS:
        raise ValueError(f"Use at most {_MAX_STREET_ADDRESS} characters.")
    if not any(character.isalnum() for character in address):
        raise ValueError("Enter the first line of the address, e.g. 12 Oak Street Apt 4.")
    return address


def _mrn(value: str, _today: date) -> str:
    if not _MRN.match(value):
        raise ValueError('Use 1 to 32 letters, digits, "-", "." or "/".')
    return value.upper()


_PARSERS = {
    "first_name": _name,
    "last_name": _name,
    "date_of_birth": _date_of_birth,
    "birth_sex": _birth_sex,
    "zip_code": _zip_code,
    "email": _email,
    "cell_phone": _phone,
    "home_phone": _phone,
    "street_address": _street_address,
    "mrn": _mrn,
}


def demographics_of(patient: Patient) -> domain.Demographics:
    """The patient's demographics as the rules read them."""
    return domain.Demographics(
        **{name: getattr(patient, name) for name in domain.FIELD_NAMES}
    ).changed(birth_sex=domain.BirthSex(patient.birth_sex) if patient.birth_sex else None)
