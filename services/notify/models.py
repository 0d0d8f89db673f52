"""Notify service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.audit import AuditChainHeadColumns, AuditRecordColumns
from services.common.db import UtcDateTime, naming_metadata, new_id, utcnow
from services.notify.domain import DeliveryState


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Notification(Base):
    """One message to one person, kept until it is sent or given up (N5)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(40))
    practice_id: Mapped[str] = mapped_column(String(64), default="")
    # Sealed (Keyring.seal) PHI and secrets: erased (NULL) once the message is sent or given up.
    recipient: Mapped[bytes | None] = mapped_column(LargeBinary)
    parameters: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    # The same message by the other channel when this recipient is undeliverable (N1): the
    # channel, and the recipient sealed like `recipient` (erased with it).
    fallback_channel: Mapped[str | None] = mapped_column(String(10))
    fallback_recipient: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The notification sent in this one's place, or the one this replaces.
    fallback_id: Mapped[str | None] = mapped_column(String(32))
    fallback_of: Mapped[str | None] = mapped_column(String(32))


class UndeliverableAddress(Base):
    """An email address that hard-bounced or a number the SMS provider refused, known only by
    its keyed hash (X1), with how often and why (codes only)."""

    __tablename__ = "undeliverable_addresses"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_reason: Mapped[str] = mapped_column(String(200))
    first_failed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CommunicationPreference(Base):
    """How an account wants a practice's communications (M5, N4): by email, SMS or both, and
    to which email when not its account email (kept sealed). Account notices ignore it (I6)."""

    __tablename__ = "communication_preferences"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A `domain.PreferredMethod` value.
    method: Mapped[str] = mapped_column(String(10))
    email: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PracticeBranding(Base):
    """How a practice appears in the messages sent for it: the name and logo heading each email,
    the phone in its footer. Not PHI; an empty field sets nothing."""

    __tablename__ = "practice_branding"

    practice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Who last set it ("staff:<id>", "system").
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class AuditRecord(AuditRecordColumns, Base):
    __tablename__ = "audit_records"


class AuditChainHead(AuditChainHeadColumns, Base):
    __tablename__ = "audit_chain_head"
