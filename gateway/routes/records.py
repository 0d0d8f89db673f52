"""The records a patient account acts for (P4, P5): its own and those shared with it, and who
acts for its own. Every route under `/records/{patient_id}` names the right it needs
(`gateway.acting`); a proxy without it gets 403, and a proxy of one patient never reaches
another's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert, schemas
from gateway.acting import PATIENT_ONLY, ActingFor, acting_for
from gateway.auth import PATIENT_PATH, Principal, signed_in_account
from gateway.clients import Clients, clients
from gateway.routes.common import problem_responses

router = APIRouter(prefix=PATIENT_PATH, tags=["patient records"])

Services = Annotated[Clients, Depends(clients)]
Account = Annotated[Principal, Depends(signed_in_account)]
_ACTING = problem_responses(401, 403)


@router.get("/records", responses=problem_responses(401))
def list_records(account: Account, services: Services) -> schemas.Records:
    """The records this account may act for (P5): its own first, then every record shared with
    it and the rights it has there today. Choose one and use its `patient_id` in the
    `/records/{patient_id}` routes. A record its practice unenrolled is not listed (E13)."""
    own = services.enrollment.ListAccountEnrollments(
        enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account.principal_id)
    ).enrollments
    shared = services.proxy.ListAccessibleRecords(
        proxy_pb2.ListAccessibleRecordsRequest(account_id=account.principal_id)
    ).relationships
    records = [
        schemas.AccessibleRecord(
            patient_id=e.patient_id,
            practice_id=e.practice.practice_id,
            first_name=e.first_name or None,
            acting_as="self",
            relationship_id=None,
            rights=None,
        )
        for e in own
        if not e.access_suspended
    ]
    for r in shared:
        patient = services.enrollment.GetPatient(
            enrollment_pb2.GetPatientRequest(practice_id=r.practice_id, patient_id=r.patient_id)
        ).patient
        records.append(
            schemas.AccessibleRecord(
                patient_id=r.patient_id,
                practice_id=r.practice_id,
                first_name=patient.demographics.first_name or None,
                acting_as=convert.enum_value(proxy_pb2.RelationshipKind, r.kind),
                relationship_id=r.relationship_id,
                rights=list(r.effective_rights),
            )
        )
    return schemas.Records(records=records)


@router.get("/records/{patient_id}", responses=_ACTING)
def get_record(
    acting: Annotated[ActingFor, Depends(acting_for("health_records:view"))], services: Services
) -> schemas.RecordSummary:
    """The record acted for and what this account may do with it (needs health_records:view)."""
    patient = services.enrollment.GetPatient(
        enrollment_pb2.GetPatientRequest(
            practice_id=acting.practice_id, patient_id=acting.patient_id
        )
    ).patient
    return schemas.RecordSummary(
        patient_id=acting.patient_id,
        practice_id=acting.practice_id,
        first_name=patient.demographics.first_name or None,
        acting_as="self" if acting.is_self else acting.kind,  # type: ignore[arg-type]
        rights=None if acting.is_self else list(acting.rights),
        hidden_categories=list(acting.hidden_categories),
    )


@router.get("/records/{patient_id}/proxies", responses=_ACTING)
def list_own_proxies(
    acting: Annotated[ActingFor, Depends(acting_for(PATIENT_ONLY))], services: Services
) -> schemas.Relationships:
    """Who acts for your record: guardians and representatives, their rights and history (P4).
    Only the patient sees this."""
    answer = services.proxy.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(
            practice_id=acting.practice_id, patient_id=acting.patient_id
        )
    )
    return schemas.Relationships(
        relationships=[convert.relationship(r) for r in answer.relationships]
    )


@router.put("/records/{patient_id}/proxies/{relationship_id}/rights", responses=_ACTING)
def update_own_proxy_rights(
    relationship_id: str,
    body: schemas.RightsUpdate,
    acting: Annotated[ActingFor, Depends(acting_for(PATIENT_ONLY))],
    services: Services,
) -> schemas.Relationship:
    """Changes what someone who acts for you may do (P4); you get a notice of the change."""
    answer = services.proxy.UpdateRights(
        proxy_pb2.UpdateRightsRequest(
            relationship_id=relationship_id,
            scope=proxy_pb2.Scope(patient_id=acting.patient_id),
            **convert.rights_update(body),
        )
    )
    return convert.relationship(answer.relationship)


@router.delete("/records/{patient_id}/proxies/{relationship_id}", responses=_ACTING)
def revoke_own_proxy(
    relationship_id: str,
    acting: Annotated[ActingFor, Depends(acting_for(PATIENT_ONLY))],
    services: Services,
) -> schemas.Relationship:
    """Ends someone's access to your record at once (P4). Safe to repeat."""
    answer = services.proxy.RevokeRelationship(
        proxy_pb2.RevokeRelationshipRequest(
            relationship_id=relationship_id,
            scope=proxy_pb2.Scope(patient_id=acting.patient_id),
        )
    )
    return convert.relationship(answer.relationship)


@router.post("/records/{patient_id}/proxies/{relationship_id}/resend", responses=_ACTING)
def resend_own_proxy_invitation(
    relationship_id: str,
    acting: Annotated[ActingFor, Depends(acting_for(PATIENT_ONLY))],
    services: Services,
) -> schemas.Relationship:
    """Sends your invitation to a representative again; the older link stops working (E10)."""
    answer = services.proxy.ResendProxyInvitation(
        proxy_pb2.ResendProxyInvitationRequest(
            relationship_id=relationship_id,
            scope=proxy_pb2.Scope(patient_id=acting.patient_id),
        )
    )
    return convert.relationship(answer.relationship)
