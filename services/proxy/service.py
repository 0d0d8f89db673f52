"""Proxy use cases for the staff's family view (P6)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
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


def acting_for(session: Session, *, practice_id: str, account_id: str) -> Sequence[Relationship]:
    """The relationships at the practice in which `account_id` is the proxy (its dependents
    and the adults it represents), every status (P6)."""
    if not account_id:
        return []
    return session.scalars(
        select(Relationship)
        .where(Relationship.practice_id == practice_id, Relationship.proxy_account_id == account_id)
        .order_by(Relationship.created_at)
    ).all()
