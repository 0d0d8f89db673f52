"""Relationships as the rules see them: their history, what they give today, and the notice
to the patient when who may act for them changes (P4, P6, P7, X2)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2

from services.common import context
from services.common.db import utcnow
from services.common.outbox import Outbox
from services.proxy import age_policies, record_access
from services.proxy.domain import Effective, RelationshipKind, RelationshipStatus, effective
from services.proxy.models import Relationship, RelationshipChange
from services.proxy.patients import Patients

SEND_ACCOUNT_NOTICE = "/vestibule.identity.v1.IdentityService/SendAccountNotice"


def record_change(
    session: Session, row: Relationship, event: str, *, rights: Iterable[str] | None = None
) -> None:
    """Appends `event` to the relationship's history, by the request's actor."""
    row.updated_at = utcnow()
    change = RelationshipChange(
        relationship_id=row.id,
        sequence=len(row.history) + 1,
        event=event,
        actor=(context.current().actor or "system")[:80],
        rights=sorted(rights) if rights is not None else None,
        at=row.updated_at,
    )
    row.history.append(change)
    session.add(change)


def effective_of(session: Session, patients: Patients, row: Relationship) -> Effective:
    """What the relationship gives today, in its practice's time zone (P7: no job needed),
    and nothing while the practice has the record unenrolled (E13)."""
    policy = age_policies.policy_of(session, row.practice_id, patients.time_zone(row.practice_id))
    return effective(
        kind=RelationshipKind(row.kind),
        status=RelationshipStatus(row.status),
        rights=row.rights,
        dependent_born=row.dependent_born,
        policy=policy,
        today=age_policies.local_today(policy),
        record_suspended=record_access.is_suspended(session, row.patient_id),
    )


def tell_patient(session: Session, outbox: Outbox, row: Relationship, event: str) -> None:
    """Queues the proxy-access notice to the patient's own account, when it has one (P4)."""
    if not row.patient_account_id:
        return
    outbox.enqueue(
        session,
        SEND_ACCOUNT_NOTICE,
        identity_pb2.SendAccountNoticeRequest(
            idempotency_key=f"proxy-access:{row.id}:{event}:{len(row.history)}",
            account_id=row.patient_account_id,
            kind=identity_pb2.ACCOUNT_NOTICE_KIND_PROXY_ACCESS_CHANGED,
            practice_id=row.practice_id,
        ),
    )
