"""Every query of the proxy service shared by its use cases: relationships, invitations and
tickets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.proxy.domain import RelationshipStatus
from services.proxy.models import ProxyInvitation, ProxyTicket, Relationship


def relationships_for_patient(
    session: Session, *, practice_id: str, patient_id: str
) -> Sequence[Relationship]:
    return session.scalars(
        select(Relationship)
        .where(Relationship.practice_id == practice_id, Relationship.patient_id == patient_id)
        .order_by(Relationship.created_at)
    ).all()


def relationship_by_key(session: Session, key: str) -> Relationship | None:
    return session.scalars(select(Relationship).where(Relationship.idempotency_key == key)).first()


def relationship_locked(session: Session, relationship_id: str) -> Relationship | None:
    return session.scalars(
        select(Relationship).where(Relationship.id == relationship_id).with_for_update()
    ).first()


def active_of_patient(
    session: Session, *, practice_id: str, patient_id: str
) -> Sequence[Relationship]:
    return session.scalars(
        select(Relationship).where(
            Relationship.practice_id == practice_id,
            Relationship.patient_id == patient_id,
            Relationship.status == RelationshipStatus.ACTIVE.value,
        )
    ).all()


def same_email_open(
    session: Session, *, practice_id: str, patient_id: str, email: str
) -> Relationship | None:
    """An invited or active relationship of the patient to the same email, any letter case."""
    return session.scalars(
        select(Relationship).where(
            Relationship.practice_id == practice_id,
            Relationship.patient_id == patient_id,
            func.lower(Relationship.proxy_email) == email.lower(),
            Relationship.status.in_(
                [RelationshipStatus.INVITED.value, RelationshipStatus.ACTIVE.value]
            ),
        )
    ).first()


def open_invitations(session: Session, relationship_id: str) -> Sequence[ProxyInvitation]:
    return session.scalars(
        select(ProxyInvitation).where(
            ProxyInvitation.relationship_id == relationship_id,
            ProxyInvitation.superseded_at.is_(None),
            ProxyInvitation.used_at.is_(None),
        )
    ).all()


def invitation_by_hash(session: Session, token_hash: str) -> ProxyInvitation | None:
    return session.scalars(
        select(ProxyInvitation)
        .where(ProxyInvitation.token_hash == token_hash)
        .with_for_update(of=ProxyInvitation)
    ).first()


def ticket_by_hash(session: Session, ticket_hash: str) -> ProxyTicket | None:
    return session.scalars(
        select(ProxyTicket)
        .where(ProxyTicket.ticket_hash == ticket_hash)
        .with_for_update(of=ProxyTicket)
    ).first()


def pending_account(session: Session, invitation_id: str) -> ProxyTicket | None:
    """An earlier ticket of the invitation that registered an account not yet linked."""
    return session.scalars(
        select(ProxyTicket)
        .where(ProxyTicket.invitation_id == invitation_id, ProxyTicket.account_id.is_not(None))
        .order_by(ProxyTicket.expires_at.desc())
        .limit(1)
    ).first()
