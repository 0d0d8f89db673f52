"""Linked-record checks for identity's forgot username (I7): yes or no per account, no PHI out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from services.common.errors import FieldViolation
from services.enrollment import domain, repository
from services.enrollment.audit import record_patient_action, trail
from services.enrollment.demographics import demographics_of
from services.enrollment.errors import InvalidDemographics

MAX_ACCOUNTS = 20
NAME_MAX_LENGTH = 100


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
