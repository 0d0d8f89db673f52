"""Every query of the enrollment service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_, update
from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.enrollment.models import (
    ActivationTicket,
    AutoInvitation,
    Invitation,
    MatchRequest,
    Patient,
    Practice,
    StatusChange,
    TicketColumns,
)

Ticketed = TypeVar("Ticketed", bound=TicketColumns)


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


def patient_for_update(session: Session, patient_id: str) -> Patient:
    """The patient, locked for a change (the caller knows it exists)."""
    return session.scalars(
        select(Patient).where(Patient.id == patient_id).with_for_update(of=Patient)
    ).one()


def auto_invitation_by_key(session: Session, idempotency_key: str) -> AutoInvitation | None:
    return session.scalars(
        select(AutoInvitation).where(AutoInvitation.idempotency_key == idempotency_key)
    ).first()


def queued_auto_invitation(session: Session, patient_id: str) -> AutoInvitation | None:
    """The patient's automatic invitation waiting for its window, if any (E6); a reminder
    after a deferral (E11) is not one."""
    return session.scalars(
        select(AutoInvitation).where(
            AutoInvitation.patient_id == patient_id,
            AutoInvitation.state == "queued",
            AutoInvitation.trigger != "deferral_reminder",
        )
    ).first()


def invitation_by_key(session: Session, idempotency_key: str) -> Invitation | None:
    return session.scalars(
        select(Invitation).where(Invitation.idempotency_key == idempotency_key)
    ).first()


def invitation_by_token_hash(session: Session, token_hash: str) -> Invitation | None:
    return session.scalars(
        select(Invitation).where(Invitation.token_hash == token_hash).with_for_update(of=Invitation)
    ).first()


def sent_times_since(session: Session, patient_id: str, since: datetime) -> list[datetime]:
    """When the patient's invitations went out, for those sent after `since` (E7)."""
    return list(
        session.scalars(
            select(Invitation.sent_at).where(
                Invitation.patient_id == patient_id, Invitation.sent_at > since
            )
        )
    )


def patient_id_of_token(session: Session, token_hash: str) -> str | None:
    """The patient an invitation token was sent to, read without locking anything."""
    return session.scalar(select(Invitation.patient_id).where(Invitation.token_hash == token_hash))


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


def ticket_by_hash(session: Session, model: type[Ticketed], ticket_hash: str) -> Ticketed | None:
    """The activation ticket or self-registration (`model`) with this ticket hash, locked."""
    return session.scalars(
        select(model).where(model.ticket_hash == ticket_hash).with_for_update(of=model)
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


def _unfinished_accounts(*where: ColumnElement[bool]) -> Select[tuple[str | None]]:
    """The pending accounts registered through activation tickets never completed, of the
    invitations `where` selects."""
    return (
        select(ActivationTicket.account_id)
        .join(Invitation, Invitation.id == ActivationTicket.invitation_id)
        .where(
            ActivationTicket.account_id.is_not(None),
            ActivationTicket.completed_at.is_(None),
            *where,
        )
        .distinct()
    )


def unfinished_accounts(session: Session, patient_id: str, *, other_than: str) -> list[str]:
    """The pending accounts registered through the patient's invitations but `other_than`,
    never completed: what a new activation of the patient replaces (E9)."""
    query = _unfinished_accounts(Invitation.patient_id == patient_id, Invitation.id != other_than)
    return [account_id for account_id in session.scalars(query) if account_id]


def open_invitation_accounts(session: Session, patient_id: str) -> list[str]:
    """The pending accounts registered through the patient's invitations still open (not
    used, not superseded): what ends when those invitations do (E9)."""
    query = _unfinished_accounts(
        Invitation.patient_id == patient_id,
        Invitation.used_at.is_(None),
        Invitation.superseded_at.is_(None),
    )
    return [account_id for account_id in session.scalars(query) if account_id]


def invitation_accounts(session: Session, invitation_id: str) -> list[str]:
    """The pending accounts registered through the invitation, never completed."""
    query = _unfinished_accounts(Invitation.id == invitation_id)
    return [account_id for account_id in session.scalars(query) if account_id]


def mrn_holder(session: Session, *, practice_id: str, mrn: str) -> str | None:
    """The ID of the practice's patient with this record number, if any."""
    return session.scalar(
        select(Patient.id).where(Patient.practice_id == practice_id, Patient.mrn == mrn)
    )


@dataclass(frozen=True)
class PatientCriteria:
    """Clean search criteria; None or empty means not given. Each given one must match."""

    name_terms: tuple[str, ...] = ()
    date_of_birth: date | None = None
    mrn: str | None = None
    email: str | None = None
    cell_phone: str | None = None


SortKey = tuple[str, str, str]
# Search order: last name, first name (case-folded, a missing name first), then ID.
_SORT = (
    func.lower(func.coalesce(Patient.last_name, "")),
    func.lower(func.coalesce(Patient.first_name, "")),
    Patient.id,
)


def _contains(column: ColumnElement[str | None], term: str) -> ColumnElement[bool]:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def search_patients(
    session: Session,
    *,
    practice_id: str,
    criteria: PatientCriteria,
    after: SortKey | None,
    limit: int,
) -> list[tuple[Patient, SortKey]]:
    """Up to `limit` patients of the practice matching `criteria`, in search order, after the
    sort key `after` when given; each with its own sort key (to continue after it)."""
    query = select(Patient, *_SORT).where(Patient.practice_id == practice_id)
    for term in criteria.name_terms:
        query = query.where(
            _contains(Patient.first_name, term) | _contains(Patient.last_name, term)
        )
    if criteria.date_of_birth is not None:
        query = query.where(Patient.date_of_birth == criteria.date_of_birth)
    if criteria.mrn:
        query = query.where(Patient.mrn == criteria.mrn)
    if criteria.email:
        query = query.where(func.lower(Patient.email) == criteria.email.lower())
    if criteria.cell_phone:
        query = query.where(Patient.cell_phone == criteria.cell_phone)
    if after is not None:
        query = query.where(tuple_(*_SORT) > tuple_(*after))
    rows = session.execute(query.order_by(*_SORT).limit(limit)).all()
    return [(row[0], (row[1], row[2], row[3])) for row in rows]


def invitations_of(session: Session, patient_id: str) -> Sequence[Invitation]:
    """Every invitation sent to the patient, newest first."""
    return session.scalars(
        select(Invitation)
        .where(Invitation.patient_id == patient_id)
        .order_by(Invitation.sent_at.desc(), Invitation.id)
    ).all()


def status_change_by_key(session: Session, idempotency_key: str) -> StatusChange | None:
    return session.scalars(
        select(StatusChange).where(StatusChange.idempotency_key == idempotency_key)
    ).first()


def patients_born_on(
    session: Session, *, practice_id: str, date_of_birth: date
) -> Sequence[Patient]:
    """The practice's patients born on that day, locked: the candidates of a self-registration
    (E12), whose names and ZIP code the rules compare."""
    return session.scalars(
        select(Patient)
        .where(Patient.practice_id == practice_id, Patient.date_of_birth == date_of_birth)
        .order_by(Patient.id)
        .with_for_update(of=Patient)
    ).all()


def open_match_requests(session: Session, practice_id: str, limit: int) -> Sequence[MatchRequest]:
    """Up to `limit` of the practice's match requests no one has resolved, newest first."""
    return session.scalars(
        select(MatchRequest)
        .where(MatchRequest.practice_id == practice_id, MatchRequest.resolved_at.is_(None))
        .order_by(MatchRequest.requested_at.desc(), MatchRequest.id)
        .limit(limit)
    ).all()


def match_request_of_practice(
    session: Session, *, practice_id: str, match_request_id: str
) -> MatchRequest | None:
    """The match request if it belongs to the practice (S3), locked for a change."""
    return session.scalars(
        select(MatchRequest)
        .where(MatchRequest.id == match_request_id, MatchRequest.practice_id == practice_id)
        .with_for_update(of=MatchRequest)
    ).first()


def patients_of_accounts_born_on(
    session: Session, account_ids: Sequence[str], date_of_birth: date
) -> Sequence[Patient]:
    """The records linked to any of the accounts whose date of birth is `date_of_birth`."""
    return session.scalars(
        select(Patient).where(
            Patient.account_id.in_(account_ids), Patient.date_of_birth == date_of_birth
        )
    ).all()
