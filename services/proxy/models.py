"""Proxy service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.audit import AuditChainHeadColumns, AuditRecordColumns
from services.common.db import UtcDateTime, naming_metadata, new_id, utcnow


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Relationship(Base):
    """One account may act for one patient record, with rights."""

    __tablename__ = "relationships"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practice_id: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    proxy_account_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    rights: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditRecord(AuditRecordColumns, Base):
    __tablename__ = "audit_records"


class AuditChainHead(AuditChainHeadColumns, Base):
    __tablename__ = "audit_chain_head"
