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
