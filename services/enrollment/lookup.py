"""Staff look-ups in a practice's registry: patient search a page at a time, and a patient's
invitations (S2, S3). Each takes a session and only reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import utcnow
from services.common.errors import FieldViolation, InvalidArgument
from services.enrollment import demographics, domain, errors, repository
from services.enrollment.audit import trail
from services.enrollment.models import Invitation, Patient

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_NAME = 100
CRITERIA = ("name", "date_of_birth", "mrn", "email", "phone")
_NAME_SEPARATORS = re.compile(r"[\s,]+")
# Search criteria named as the patient fields whose parsers clean them.
_FIELD_OF = {
    "date_of_birth": "date_of_birth",
    "mrn": "mrn",
    "email": "email",
    "phone": "cell_phone",
}


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    next_page_token: str


def invitation_state(invitation: Invitation) -> domain.InvitationState:
    """Whether the invitation's link works now, and if not why."""
    return domain.invitation_state(
        used_at=invitation.used_at,
        locked_at=invitation.locked_at,
        superseded_at=invitation.superseded_at,
        expires_at=invitation.expires_at,
        now=utcnow(),
    )


class LookupUseCases:
    def __init__(self, *, keyring: Keyring) -> None:
        # Page tokens are sealed: they carry the last patient's sort key (names) and must
        # neither show it in a URL nor be forged to read past another practice's cursor.
        self._keyring = keyring

    def search_patients(
        self,
        session: Session,
        *,
        practice_id: str,
        criteria: dict[str, str],
        page_size: int,
        page_token: str,
    ) -> PatientPage:
        """A page of the practice's patients matching every criterion given (S3: only this
        practice's). `criteria` holds raw values keyed by CRITERIA; at least one is needed."""
        clean = _criteria(criteria)
        if page_size < 0:
            raise InvalidArgument(
                "Ask for a page size between 1 and 100, or 0 for the default of 25.",
                violations=[FieldViolation("page_size", "Must not be negative.")],
            )
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        after = self._open_token(page_token, practice_id) if page_token else None
        rows = repository.search_patients(
            session, practice_id=practice_id, criteria=clean, after=after, limit=size + 1
        )
        more = len(rows) > size
        rows = rows[:size]
        token = self._seal_token(practice_id, rows[-1][1]) if more else ""
        # A search reads PHI: who searched and how many came back, never the criteria.
        trail.record(
            session,
            "patient.search",
            f"practice:{practice_id}",
            practice_id=practice_id,
            details={"results": str(len(rows)), "page": "next" if page_token else "first"},
        )
        return PatientPage([patient for patient, _ in rows], token)

    def list_invitations(
        self, session: Session, *, practice_id: str, patient_id: str
    ) -> list[Invitation]:
        """Every invitation sent to the practice's patient, newest first."""
        if repository.patient_of_practice(session, practice_id=practice_id, patient_id=patient_id):
            return list(repository.invitations_of(session, patient_id))
        raise errors.PatientNotFound("No such patient at this practice.")

    def _seal_token(self, practice_id: str, key: repository.SortKey) -> str:
        return self._keyring.seal(json.dumps([practice_id, *key]).encode()).decode()

    def _open_token(self, token: str, practice_id: str) -> repository.SortKey:
        try:
            owner, last, first, patient_id = json.loads(self._keyring.unseal(token.encode()))
        except (InvalidToken, ValueError, TypeError):
            owner = None
        if owner != practice_id:
            raise errors.PageTokenNotValid(
                "This page token does not belong to this search. Start the search again from "
                "the first page.",
                violations=[FieldViolation("page_token", "Not a token from this search.")],
            )
        return (last, first, patient_id)


def _criteria(raw: dict[str, str]) -> repository.PatientCriteria:
    given = {name: value.strip() for name, value in raw.items() if value.strip()}
    if not given:
        raise errors.SearchCriteriaMissing(
            "Search by at least one of: name, date of birth, MRN, email or phone.",
            violations=[FieldViolation(name, "Give at least one criterion.") for name in CRITERIA],
        )
    parsed, violations = demographics.normalize(
        {_FIELD_OF[name]: value for name, value in given.items() if name in _FIELD_OF},
        today=utcnow().date(),
    )
    criterion_of = {field: criterion for criterion, field in _FIELD_OF.items()}
    violations = [FieldViolation(criterion_of[v.field], v.description) for v in violations]
    name = given.get("name", "")
    if len(name) > MAX_NAME:
        violations.append(FieldViolation("name", f"Use at most {MAX_NAME} characters."))
    if violations:
        raise InvalidArgument(
            "Some search criteria are not valid; correct the fields listed.", violations=violations
        )
    terms = tuple(t for t in _NAME_SEPARATORS.split(name) if t)
    return repository.PatientCriteria(
        name_terms=terms,
        date_of_birth=parsed.get("date_of_birth"),  # type: ignore[arg-type]
        mrn=parsed.get("mrn"),  # type: ignore[arg-type]
        email=parsed.get("email"),  # type: ignore[arg-type]
        cell_phone=parsed.get("cell_phone"),  # type: ignore[arg-type]
    )
