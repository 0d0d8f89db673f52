"""Records whose portal access the practice suspended by unenrolling them (E13): enrollment
tells proxy of each change, and while a record is suspended no proxy acts for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2

from services.common.db import insert_if_absent
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.proxy.audit import trail
from services.proxy.domain import RelationshipStatus
from services.proxy.errors import InvalidRequest
from services.proxy.models import RecordSuspension, Relationship

REVIEW_RECORD_ACCESS = "/vestibule.identity.v1.IdentityService/ReviewRecordAccess"


def is_suspended(session: Session, patient_id: str) -> bool:
    """Whether the practice has the record unenrolled, as enrollment last said."""
    return bool(
        session.scalar(
            select(RecordSuspension.suspended).where(RecordSuspension.patient_id == patient_id)
        )
    )


def set_access(
    session: Session,
    *,
    outbox: Outbox,
    practice_id: str,
    patient_id: str,
    suspended: bool,
    as_of: datetime | None,
) -> None:
    """Applies enrollment's word that the record's access is suspended or restored, unless a
    later word was applied already (a retry or a late delivery changes nothing). Audited. On
    suspension, identity reviews the sessions of every account acting for the record, and
    ends them where it was the last record the account could use."""
    missing = [
        FieldViolation(name, "Required.")
        for name, value in (("practice_id", practice_id), ("patient_id", patient_id))
        if not value
    ]
    if as_of is None:
        missing.append(FieldViolation("as_of", "When enrollment made the change."))
    if missing:
        raise InvalidRequest("Name the record and when its access changed.", violations=missing)
    assert as_of is not None
    insert_if_absent(
        session,
        RecordSuspension,
        patient_id=patient_id,
        practice_id=practice_id,
        suspended=suspended,
        as_of=as_of,
    )
    row = session.get(RecordSuspension, patient_id, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.as_of > as_of:
        return
    row.practice_id, row.suspended, row.as_of = practice_id, suspended, as_of
    if suspended:
        for account_id in _acting_accounts(session, patient_id):
            outbox.enqueue(
                session,
                REVIEW_RECORD_ACCESS,
                identity_pb2.ReviewRecordAccessRequest(account_id=account_id),
                urgent=True,
            )
    trail.record(
        session,
        "proxy.record_access.suspend" if suspended else "proxy.record_access.restore",
        f"patient:{patient_id}",
        practice_id=practice_id,
        patient_id=patient_id,
    )


def _acting_accounts(session: Session, patient_id: str) -> list[str]:
    """The accounts of the record's active relationships."""
    return list(
        session.scalars(
            select(Relationship.proxy_account_id)
            .where(
                Relationship.patient_id == patient_id,
                Relationship.status == RelationshipStatus.ACTIVE.value,
                Relationship.proxy_account_id.is_not(None),
            )
            .distinct()
        )
    )
