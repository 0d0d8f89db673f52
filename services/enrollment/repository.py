"""Every query of the enrollment service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.enrollment.models import (
    ActivationTicket,
    Invitation,
    Patient,
    Practice,
)


def practice_by_key(session: Session, idempotency_key: str) -> Practice | None:
    return session.scalars(
        select(Practice).where(Practice.idempotency_key == idempotency_key)
    ).first()


def patient_by_key(session: Session, idempotency_key: str) -> Patient | None:
    return session.scalars(
        select(Patient).where(Patient.idempotency_key == idempotency_key)
    ).first()


def patient_of_practice(
    session: Session, *, practice_id: str, patient_id: str, for_update: bool = False
) -> Patient | None:
    """The patient if it belongs to the practice (tenancy): another practice's is None."""
    query = select(Patient).where(Patient.id == patient_id, Patient.practice_id == practice_id)
    if for_update:
        query = query.with_for_update(of=Patient)
    return session.scalars(query).first()


def invitation_by_key(session: Session, idempotency_key: str) -> Invitation | None:
    return session.scalars(
        select(Invitation).where(Invitation.idempotency_key == idempotency_key)
    ).first()


def invitation_by_token_hash(session: Session, token_hash: str) -> Invitation | None:
    return session.scalars(
        select(Invitation).where(Invitation.token_hash == token_hash).with_for_update(of=Invitation)
    ).first()


def supersede_open_invitations(session: Session, patient_id: str) -> None:
    """Every unused, not yet superseded invitation of the patient stops working now (E4)."""
    session.execute(
        update(Invitation)
        .where(
            Invitation.patient_id == patient_id,
            Invitation.superseded_at.is_(None),
            Invitation.used_at.is_(None),
        )
        .values(superseded_at=utcnow())
    )


def ticket_by_hash(session: Session, ticket_hash: str) -> ActivationTicket | None:
    return session.scalars(
        select(ActivationTicket)
        .where(ActivationTicket.ticket_hash == ticket_hash)
        .with_for_update(of=ActivationTicket)
    ).first()


def patients_of_account(session: Session, account_id: str) -> Sequence[Patient]:
    return session.scalars(
        select(Patient).where(Patient.account_id == account_id).order_by(Patient.enrolled_at)
    ).all()


def pending_registration(session: Session, invitation_id: str) -> ActivationTicket | None:
    """The newest unfinished ticket of the invitation that already registered an account."""
    return session.scalars(
        select(ActivationTicket)
        .where(
            ActivationTicket.invitation_id == invitation_id,
            ActivationTicket.account_id.is_not(None),
            ActivationTicket.completed_at.is_(None),
        )
        .order_by(ActivationTicket.expires_at.desc())
        .limit(1)
    ).first()
