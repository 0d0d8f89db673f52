"""The audit trail through the gateway: staff query every service's trail for their practice
(view_audit); a patient sees who acted on their own records (X2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.audit.v1 import audit_pb2
from vestibule.enrollment.v1 import enrollment_pb2

from gateway import convert, schemas
from gateway.audit_pages import gather
from gateway.auth import PATIENT_PATH, STAFF_PATH, Principal, signed_in_account, signed_in_staff
from gateway.clients import Clients, clients
from gateway.record_activity import Actors
from gateway.routes.common import problem_responses

practice_router = APIRouter(prefix=STAFF_PATH, tags=["practice"])
patient_router = APIRouter(prefix=PATIENT_PATH, tags=["patient"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
Account = Annotated[Principal, Depends(signed_in_account)]
PATIENT_ACTIVITY_LIMIT = 100


def _timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _record(message: audit_pb2.AuditRecord) -> schemas.AuditRecord:
    return schemas.AuditRecord(
        record_id=message.record_id,
        service=message.service,
        sequence=message.sequence,
        occurred_at=convert.when(message, "occurred_at"),
        actor=message.actor,
        on_behalf_of=message.on_behalf_of or None,
        action=message.action,
        target=message.target,
        patient_id=message.patient_id or None,
        outcome=message.outcome,  # type: ignore[arg-type]
        client_address=message.client_address or None,
        request_id=message.request_id,
        details=dict(message.details),
    )


@practice_router.get("/audit", responses=problem_responses(401, 403))
def practice_audit(
    staff: Staff,
    services: Services,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> schemas.AuditPage:
    """The practice's audit trail across every service, newest first, by patient record, by
    actor and by time range."""
    query = audit_pb2.ListAuditRecordsRequest(
        practice_id=staff.practice_id,
        patient_id=patient_id or "",
        actor=actor or "",
        since=_timestamp(since),
        until=_timestamp(until),
    )
    page = gather(services.audit, query, page_size=page_size, page_token=page_token or "")
    return schemas.AuditPage(
        records=[_record(record) for record in page.records],
        next_page_token=page.next_page_token or None,
    )


@patient_router.get("/activity", responses=problem_responses(401))
def record_activity(account: Account, services: Services) -> schemas.RecordActivityList:
    """Who acted on your records at every practice, yourself and your proxies included:
    the newest actions first, each actor named as you know them (`actor_kind`, `actor_name`)."""
    linked = services.enrollment.ListAccountEnrollments(
        enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account.principal_id)
    ).enrollments
    found: list[audit_pb2.AuditRecord] = []
    for enrollment in linked:
        query = audit_pb2.ListAuditRecordsRequest(
            practice_id=enrollment.practice.practice_id, patient_id=enrollment.patient_id
        )
        found += gather(
            services.audit, query, page_size=PATIENT_ACTIVITY_LIMIT, page_token=""
        ).records
    found.sort(key=lambda r: r.occurred_at.ToDatetime(), reverse=True)
    actors = Actors(services, account.principal_id, linked)
    practices = {e.practice.practice_id: e.practice.name for e in linked}
    activity = []
    for record in found[:PATIENT_ACTIVITY_LIMIT]:
        actor = actors.of(record)
        activity.append(
            schemas.RecordActivity(
                occurred_at=convert.when(record, "occurred_at"),
                practice_id=record.practice_id or None,
                practice_name=practices.get(record.practice_id),
                actor=record.actor,
                actor_kind=actor.kind,  # type: ignore[arg-type]
                actor_name=actor.name,
                on_behalf_of=record.on_behalf_of or None,
                action=record.action,
                right=record.details.get("right") or None,
                outcome=record.outcome,  # type: ignore[arg-type]
            )
        )
    return schemas.RecordActivityList(activity=activity)
