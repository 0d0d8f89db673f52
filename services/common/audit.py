"""The audit trail every service keeps (X2): one record per action, written in the same
transaction, chained by keyed hashes, never changed or deleted through any API.

Each service maps the two tables on its own Base and names its trail once:

    class AuditRecord(AuditRecordColumns, Base):     __tablename__ = "audit_records"
    class AuditChainHead(AuditChainHeadColumns, Base): __tablename__ = "audit_chain_head"
    trail = AuditTrail("identity", AuditRecord, AuditChainHead)    # services/<name>/audit.py

then records with `trail.record(session, "staff.deactivate", f"staff:{id}", practice_id=...)`.
Its first migration creates both tables and the head row (`head_row()`). The keyed hash needs
the session to carry the service's audit key: `Database(url, session_info=audit_key_info(keyring))`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common import context
from services.common.crypto import Keyring
from services.common.db import UtcDateTime, new_id, utcnow

GENESIS = "0" * 64
AUDIT_KEY = "audit_key"
AUDIT_KEYS = "audit_keys"
OUTCOMES = ("success", "denied", "failed")


class AuditRecordColumns:
    """Columns of a service's `audit_records` table."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    on_behalf_of: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(120))
    practice_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    patient_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    outcome: Mapped[str] = mapped_column(String(10))
    client_address: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHeadColumns:
    """Columns of the one-row `audit_chain_head` table: the chain's last sequence and hash.
    Locking this row serializes writers, so the chain never forks."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def head_row() -> dict[str, object]:
    """The head row a service's migration inserts with its audit tables."""
    return {"id": 1, "sequence": 0, "hash": GENESIS}


def audit_key_info(keyring: Keyring) -> dict[str, object]:
    """Session info that gives every transaction the key the chain is hashed with, and the
    earlier keys (newest first) that older records were hashed with."""
    return {AUDIT_KEY: keyring.audit_key, AUDIT_KEYS: keyring.audit_keys}


def _fields(row: AuditRecordColumns) -> bytes:
    return json.dumps(
        [
            row.sequence,
            row.occurred_at.isoformat(),
            row.actor,
            row.on_behalf_of,
            row.action,
            row.target,
            row.practice_id,
            row.patient_id,
            row.outcome,
            row.client_address,
            row.request_id,
            row.details,
        ],
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def chain_hash(key: bytes, previous: str, row: AuditRecordColumns) -> str:
    """HMAC-SHA256 over the previous hash and the record's fields."""
    return hmac.new(key, previous.encode() + b"|" + _fields(row), hashlib.sha256).hexdigest()


def _key(session: Session) -> bytes:
    key = session.info.get(AUDIT_KEY)
    if not key:
        raise RuntimeError("the database session carries no audit key; see audit_key_info()")
    return key


@dataclass(frozen=True)
class Verdict:
    """The outcome of a chain verification."""

    intact: bool
    records: int
    first_broken_sequence: int = 0
    problem: str = ""


class AuditTrail:
    """One service's audit trail."""

    def __init__(
        self,
        service: str,
        record_model: type[AuditRecordColumns],
        head_model: type[AuditChainHeadColumns],
    ) -> None:
        self.service = service
        self.record_model = record_model
        self.head_model = head_model

    def record(
        self,
        session: Session,
        action: str,
        target: str,
        *,
        practice_id: str = "",
        patient_id: str = "",
        outcome: str = "success",
        details: Mapping[str, str] | None = None,
    ) -> None:
        """Adds a record of `action` on `target` to the caller's transaction. Who, from where
        and in which request come from the request context. `details` must hold no secret
        and no PHI: IDs, counts and codes of outcome only."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        head = session.scalars(
            select(self.head_model).where(self.head_model.id == 1).with_for_update()
        ).one()
        request = context.current()
        row = self.record_model(
            sequence=head.sequence + 1,
            occurred_at=utcnow(),
            actor=request.actor,
            on_behalf_of=request.on_behalf_of,
            action=action,
            target=target,
            practice_id=practice_id,
            patient_id=patient_id,
            outcome=outcome,
            client_address=request.client_address,
            request_id=request.request_id,
            details=dict(details or {}),
        )
        row.hash = chain_hash(_key(session), head.hash, row)
        head.sequence, head.hash = row.sequence, row.hash
        session.add(row)
        session.flush()

    def verify(self, session: Session) -> Verdict:
        """Recomputes the chain up to its head: every hash, no gap, ending at the head. The head
        is read first, so records committed meanwhile by other writers are simply not checked."""
        head = session.get(self.head_model, 1)
        if head is None:
            return Verdict(False, 0, 1, "the chain head is missing")
        # Oldest key first: the chain may move on to a newer key once, never back, so a key
        # retired by a rotation cannot sign a record made after it.
        keys = list(reversed(session.info.get(AUDIT_KEYS) or (_key(session),)))
        previous, expected = GENESIS, 1
        rows = session.scalars(
            select(self.record_model)
            .where(self.record_model.sequence <= head.sequence)
            .order_by(self.record_model.sequence)
        )
        for row in rows:
            if row.sequence != expected:
                return Verdict(False, expected - 1, expected, f"record {expected} is missing")
            signer = next(
                (
                    n
                    for n, key in enumerate(keys)
                    if hmac.compare_digest(chain_hash(key, previous, row), row.hash)
                ),
                None,
            )
            if signer is None:
                return Verdict(
                    False, expected - 1, row.sequence, f"record {row.sequence} was altered"
                )
            keys = keys[signer:]
            previous, expected = row.hash, expected + 1
        checked = expected - 1
        if checked != head.sequence or previous != head.hash:
            return Verdict(False, checked, checked + 1, "records after the last one were removed")
        return Verdict(True, checked)
