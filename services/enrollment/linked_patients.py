"""Linked-record checks for identity's account recovery: forgot username (I7), yes or no per
account with no PHI out; and the account-information reset (I8 d), whose only value out is the
street address of a record that matched everything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from services.common.errors import FieldViolation
from services.enrollment import domain, repository
from services.enrollment.audit import record_patient_action, trail
from services.enrollment.demographics import demographics_of, phone_in_e164
from services.enrollment.errors import InvalidDemographics

MAX_ACCOUNTS = 20
NAME_MAX_LENGTH = 100
DATE_MAX_LENGTH = 20
PHONE_MAX_LENGTH = 32  # as the gateway's phone fields
ACCOUNT_INFORMATION_CHECK = "enrollment.patient.account_information_check"


def match_linked_patients(
    session: Session, *, account_ids: Sequence[str], last_name: str, date_of_birth: str
) -> list[str]:
    """The accounts, of `account_ids`, linked to a record with this last name and date of
    birth, in the order given. Each matching record's check is audited (X1); a check that
    matched nothing leaves one record without a target, so both cost alike."""
    born_on = _valid(account_ids, last_name, date_of_birth)
    matched: set[str] = set()
    for patient in repository.patients_of_accounts_born_on(session, account_ids, born_on):
        record = demographics_of(patient)
        if domain.last_name_and_birth_date_match(
            record, last_name=last_name, date_of_birth=born_on
        ):
            assert patient.account_id is not None
            matched.add(patient.account_id)
            record_patient_action(session, "enrollment.patient.identity_check", patient)
    if not matched:
        trail.record(
            session,
            "enrollment.patient.identity_check",
            "",
            outcome="denied",
            details={"accounts": str(len(account_ids))},
        )
    return [account_id for account_id in dict.fromkeys(account_ids) if account_id in matched]


def _valid(account_ids: Sequence[str], last_name: str, date_of_birth: str) -> date:
    problems = []
    if len(account_ids) > MAX_ACCOUNTS:
        problems.append(FieldViolation("account_ids", f"At most {MAX_ACCOUNTS}."))
    if not last_name.strip() or len(last_name) > NAME_MAX_LENGTH:
        problems.append(FieldViolation("last_name", "Required, at most 100 characters."))
    born_on = None
    try:
        born_on = date.fromisoformat(date_of_birth.strip())
    except ValueError:
        problems.append(FieldViolation("date_of_birth", "A date like 1990-04-21."))
    if problems or born_on is None:
        raise InvalidDemographics("Fix the fields named and ask again.", violations=problems)
    return born_on


@dataclass(frozen=True)
class AccountInformationCheck:
    """Whether a record linked to the account matched; its street address only when it did."""

    matched: bool
    street_address: str = ""


def check_account_information(
    session: Session,
    *,
    account_id: str,
    first_name: str,
    last_name: str,
    date_of_birth: str,
    home_phone: str,
) -> AccountInformationCheck:
    """Whether a record linked to the account has this first and last name (letter case and
    surrounding space aside), date of birth and home phone, and a street address; if so, that
    address. A date or phone that cannot be read matches nothing; only overlong values are
    refused. An empty `account_id` matches nothing after the same query. The matching record's
    check is audited (X1); a check that matched nothing leaves one record without a target."""
    _within_limits(first_name, last_name, date_of_birth, home_phone)
    records = repository.patients_of_account(session, account_id)
    born_on, phone = _date(date_of_birth), phone_in_e164(home_phone.strip())
    if account_id and born_on is not None and phone is not None:
        for patient in records:
            if domain.account_information_matches(
                demographics_of(patient),
                first_name=first_name,
                last_name=last_name,
                date_of_birth=born_on,
                home_phone=phone,
            ):
                assert patient.street_address is not None
                record_patient_action(session, ACCOUNT_INFORMATION_CHECK, patient)
                return AccountInformationCheck(matched=True, street_address=patient.street_address)
    trail.record(
        session,
        ACCOUNT_INFORMATION_CHECK,
        "",
        outcome="denied",
        details={"accounts": "1" if account_id else "0"},
    )
    return AccountInformationCheck(matched=False)


def _within_limits(first_name: str, last_name: str, date_of_birth: str, home_phone: str) -> None:
    limits = (
        ("first_name", first_name, NAME_MAX_LENGTH),
        ("last_name", last_name, NAME_MAX_LENGTH),
        ("date_of_birth", date_of_birth, DATE_MAX_LENGTH),
        ("home_phone", home_phone, PHONE_MAX_LENGTH),
    )
    problems = [
        FieldViolation(field, f"At most {limit} characters.")
        for field, value, limit in limits
        if len(value) > limit
    ]
    if problems:
        raise InvalidDemographics("Shorten the fields named and ask again.", violations=problems)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
