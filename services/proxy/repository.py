"""Every query of the proxy service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.proxy.models import Relationship


def relationships_for_patient(
    session: Session, *, practice_id: str, patient_id: str
) -> Sequence[Relationship]:
    return session.scalars(
        select(Relationship)
        .where(Relationship.practice_id == practice_id, Relationship.patient_id == patient_id)
        .order_by(Relationship.created_at)
    ).all()
