"""Proxy service tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.audit import AuditChainHeadColumns, AuditRecordColumns
from services.common.db import UtcDateTime, naming_metadata, new_id, utcnow
from services.common.outbox import OutboxMessageColumns


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Relationship(Base):
    """One account may act for one patient record, with rights (P1 to P4). Created INVITED
    with the invitee's name and email; the account is set when the invitation is accepted."""

    __tablename__ = "relationships"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Set for relationships made by an invitation request, so a retry is one relationship.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    practice_id: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    # The patient's own account, when it has one: it is told of changes and cannot be its proxy.
    patient_account_id: Mapped[str | None] = mapped_column(String(64))
    # The dependent's date of birth, copied from enrollment, for the age rules (guardians).
    dependent_born: Mapped[date | None] = mapped_column(Date)
    proxy_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    rights: Mapped[list[str]] = mapped_column(JSON, default=list)
    relationship_label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    proxy_first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    proxy_last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    proxy_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    history: Mapped[list[RelationshipChange]] = relationship(
        order_by="RelationshipChange.sequence", lazy="selectin"
    )


class RelationshipChange(Base):
    """One entry of a relationship's history (P6)."""

    __tablename__ = "relationship_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    relationship_id: Mapped[str] = mapped_column(ForeignKey("relationships.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(80))
    rights: Mapped[list[str] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProxyInvitation(Base):
    """One invitation sent for a relationship; its token is kept only as a hash (E10). A newer
    one supersedes it; wrong ZIP code or date of birth answers are counted."""

    __tablename__ = "proxy_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    relationship_id: Mapped[str] = mapped_column(ForeignKey("relationships.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    proxy_relationship: Mapped[Relationship] = relationship(lazy="selectin")


class ProxyTicket(Base):
    """A short-lived ticket after the patient was identified, kept as a hash."""

    __tablename__ = "proxy_tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("proxy_invitations.id"), index=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The pending account the invitee registered with this ticket (instead of signing in).
    account_id: Mapped[str | None] = mapped_column(String(64))
    code_destination_hint: Mapped[str | None] = mapped_column(String(320))

    invitation: Mapped[ProxyInvitation] = relationship(lazy="selectin")


class AgePolicyVersion(Base):
    """One version of a practice's age policy (P7); the newest is in force. A practice
    without one has the default."""

    __tablename__ = "age_policies"
    __table_args__ = (UniqueConstraint("practice_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # [{"from_age": 0, "access": "full", "rights": [...], "hidden_categories": [...]}, ...]
    bands: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class AgeOutNotice(Base):
    """An age-out notice sent (P7): one per relationship and lead time, so the daily job sends
    each once however often it runs."""

    __tablename__ = "age_out_notices"
    __table_args__ = (UniqueConstraint("relationship_id", "days_before"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    relationship_id: Mapped[str] = mapped_column(ForeignKey("relationships.id"), index=True)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RecordSuspension(Base):
    """Whether the practice has suspended portal access to a patient record (E13): while it
    has the record UNENROLLED, no proxy acts for it. Enrollment tells proxy of every change;
    `as_of` is when enrollment made it, so a late, older message never undoes a newer one."""

    __tablename__ = "record_suspensions"

    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    suspended: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(OutboxMessageColumns, Base):
    __tablename__ = "outbox_messages"


class AuditRecord(AuditRecordColumns, Base):
    __tablename__ = "audit_records"


class AuditChainHead(AuditChainHeadColumns, Base):
    __tablename__ = "audit_chain_head"
