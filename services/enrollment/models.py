"""Enrollment service tables: practices, patients and their status history, invitations,
activation tickets, self-registrations and match requests, the outbox and the audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.audit import AuditChainHeadColumns, AuditRecordColumns
from services.common.db import UtcDateTime, naming_metadata, new_id, utcnow
from services.common.outbox import OutboxMessageColumns


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Practice(Base):
    __tablename__ = "practices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    email_required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Practice settings (see practice_settings.py): automatic invitations stay off until the
    # practice goes live (E6), and go out only inside its opening hours, a JSON list of
    # {"day": 0-6, "opens": "HH:MM", "closes": "HH:MM"} in its time zone.
    auto_invites_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    auto_invite_hours: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    invitation_lifetime_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # E7: at most this many sends in any window of this many days, until the patient activates.
    throttle_max_sends: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    throttle_window_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    age_of_majority: Mapped[int] = mapped_column(Integer, default=18, server_default="18")
    # E11: days after a patient defers ("remind me later") that the reminder goes out.
    deferral_reminder_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    settings_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    settings_updated_by: Mapped[str | None] = mapped_column(String(100))


class Patient(Base):
    __tablename__ = "patients"
    # An account is linked to at most one record per practice; a record number names one
    # record per practice (NULLs, records without one, do not collide).
    __table_args__ = (
        UniqueConstraint("practice_id", "account_id"),
        UniqueConstraint("practice_id", "mrn"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    birth_sex: Mapped[str | None] = mapped_column(String(10))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(320))
    cell_phone: Mapped[str | None] = mapped_column(String(20))
    home_phone: Mapped[str | None] = mapped_column(String(20))
    # The first line of the home address (I8 d: the patient picks it among decoys).
    street_address: Mapped[str | None] = mapped_column(String(100))
    mrn: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    invitation_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # E9: wrong ZIP code or date of birth answers over all of the record's invitations; at the
    # limit the record's activation locks until staff unlock it.
    activation_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    activation_locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(lazy="joined")
    history: Mapped[list[StatusChange]] = relationship(
        order_by="StatusChange.sequence", lazy="selectin"
    )


class StatusChange(Base):
    """One entry of a patient's enrollment history (E2)."""

    __tablename__ = "status_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    # Set for changes staff request with a key (unenroll, reactivate), so a retry is one change.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)


class Invitation(Base):
    """One invitation sent; its token is kept only as a hash (E10)."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failed_answers: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    patient: Mapped[Patient] = relationship(lazy="joined")


class TicketColumns:
    """A short-lived secret ticket (kept as a hash) that carries a patient from step to step,
    and the pending account it registered in identity until the code confirms it (E9, E12)."""

    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    account_id: Mapped[str | None] = mapped_column(String(64))
    code_channel: Mapped[str | None] = mapped_column(String(10))
    code_destination_hint: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ActivationTicket(TicketColumns, Base):
    """The short-lived continuation of an activation after ZIP and date of birth matched."""

    __tablename__ = "activation_tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)

    invitation: Mapped[Invitation] = relationship(lazy="joined")


class SelfRegistration(TicketColumns, Base):
    """A self-registration from the logon page (E12): the demographics the patient gave, kept
    until the code confirms the account, then linked to the one matching record or left for
    the practice as a match request."""

    __tablename__ = "self_registrations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    zip_code: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The record the account was linked to; None until then, and for a match request.
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"))

    practice: Mapped[Practice] = relationship(lazy="joined")


class MatchRequest(Base):
    """A self-registered account no record was linked to (E12): the practice's staff find the
    patient's record from the demographics given, and may link it."""

    __tablename__ = "match_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("self_registrations.id"), unique=True)
    account_id: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when staff link the account to a record; the request is then closed.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"))

    registration: Mapped[SelfRegistration] = relationship(lazy="joined")


class AutoInvitation(Base):
    """One automatic invitation a trigger asked for (E6): sent at once inside the practice's
    opening hours, else queued until the next window opens; when its time comes it is sent,
    throttled (E7, with when the next send is allowed) or skipped (with why)."""

    __tablename__ = "auto_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    # An event's retry with the same key is the same trigger.
    idempotency_key: Mapped[str] = mapped_column(String(140), unique=True)
    trigger: Mapped[str] = mapped_column(String(30))
    triggered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A `domain.AutoInvitationState` value; the scheduler takes queued ones that are due.
    state: Mapped[str] = mapped_column(String(20), index=True)
    send_after: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why it was skipped, in words without PHI (e.g. the names of missing fields).
    detail: Mapped[str | None] = mapped_column(String(200))
    next_allowed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invitation_id: Mapped[str | None] = mapped_column(String(32))


class OutboxMessage(OutboxMessageColumns, Base):
    __tablename__ = "outbox_messages"


class AuditRecord(AuditRecordColumns, Base):
    """One audited action (X2); see services/common/audit.py."""

    __tablename__ = "audit_records"


class AuditChainHead(AuditChainHeadColumns, Base):
    """The audit chain's head row, locked by every writer."""

    __tablename__ = "audit_chain_head"
