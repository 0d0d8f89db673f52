"""Automatic invitation routes (E6, E7): chart events and the practice's queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from vestibule.enrollment.v1 import enrollment_pb2

from gateway import convert, schemas
from gateway.auth import STAFF_PATH, Principal, signed_in_staff
from gateway.clients import Clients, clients
from gateway.routes.common import idempotency_key, problem_responses

router = APIRouter(prefix=STAFF_PATH, tags=["automatic invitations"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
_SIGNED_IN = problem_responses(401, 403, 404)
EVENTS = {
    "encounter_added": enrollment_pb2.PATIENT_EVENT_ENCOUNTER_ADDED,
    "appointment_added": enrollment_pb2.PATIENT_EVENT_APPOINTMENT_ADDED,
}


def _auto_invitation(message: enrollment_pb2.AutoInvitation) -> schemas.AutoInvitation:
    return schemas.AutoInvitation(
        auto_invitation_id=message.auto_invitation_id,
        patient_id=message.patient_id,
        trigger=message.trigger,
        state=convert.enum_value(enrollment_pb2.AutoInvitationState, message.state),  # type: ignore[arg-type]
        triggered_at=convert.when(message, "triggered_at"),
        send_after=convert.when(message, "send_after"),
        decided_at=convert.when(message, "decided_at"),
        detail=message.detail or None,
        next_allowed_at=convert.when(message, "next_allowed_at"),
        invitation_id=message.invitation_id or None,
    )


@router.post("/patients/{patient_id}/events", responses=_SIGNED_IN)
def record_event(
    body: schemas.PatientEvent,
    patient_id: Annotated[str, Path(min_length=1, max_length=128)],
    staff: Staff,
    services: Services,
    key: Annotated[str, Depends(idempotency_key)],
) -> schemas.EventRecorded:
    """An encounter or appointment added to the patient's chart (E6). Once the practice has
    gone live it asks for an automatic invitation: sent at once inside the opening hours, else
    queued for the next window."""
    answer = services.enrollment.RecordPatientEvent(
        enrollment_pb2.RecordPatientEventRequest(
            idempotency_key=key,
            practice_id=staff.practice_id,
            patient_id=patient_id,
            event=EVENTS[body.event],
        )
    )
    recorded = answer.auto_invitation if answer.HasField("auto_invitation") else None
    return schemas.EventRecorded(
        auto_invitation=_auto_invitation(recorded) if recorded is not None else None
    )


@router.get("/auto-invitations", responses=_SIGNED_IN)
def list_auto_invitations(
    staff: Staff,
    services: Services,
    state: schemas.AutoInvitationState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.AutoInvitations:
    """The practice's automatic invitations, newest trigger first; `state` keeps one kind,
    e.g. `throttled` to see who the throttle held back and when they can be sent (E7)."""
    answer = services.enrollment.ListAutoInvitations(
        enrollment_pb2.ListAutoInvitationsRequest(
            practice_id=staff.practice_id,
            state=enrollment_pb2.AutoInvitationState.Value(
                f"AUTO_INVITATION_STATE_{(state or 'unspecified').upper()}"
            ),
            page_size=limit,
        )
    )
    return schemas.AutoInvitations(
        auto_invitations=[_auto_invitation(row) for row in answer.auto_invitations]
    )
