"""Proxy use cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from services.common.errors import FieldViolation
from services.proxy import repository
from services.proxy.errors import InvalidRequest
from services.proxy.models import Relationship


def list_relationships(
    session: Session, *, practice_id: str, patient_id: str
) -> Sequence[Relationship]:
    """Every proxy relationship for a patient record (P6)."""
    missing = [
        FieldViolation(name, "Required.")
        for name, value in (("practice_id", practice_id), ("patient_id", patient_id))
        if not value
    ]
    if missing:
        raise InvalidRequest("Name the practice and the patient.", violations=missing)
    return repository.relationships_for_patient(
        session, practice_id=practice_id, patient_id=patient_id
    )
