"""Practice routes: staff sign in and manage their own practice's patients (S2, S3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert, schemas
from gateway.auth import STAFF_COOKIE, STAFF_PATH, Principal, clear_session_cookie, signed_in_staff
from gateway.clients import Clients, clients
from gateway.permissions import permitted_actions
from gateway.problems import Problem
from gateway.routes.common import idempotency_key, problem_responses

router = APIRouter(prefix=STAFF_PATH, tags=["practice"])

Services = Annotated[Clients, Depends(clients)]
# The practice is always the signed-in staff member's own, never one named by the caller (S3).
Staff = Annotated[Principal, Depends(signed_in_staff)]
PatientId = Annotated[str, Path(min_length=1, max_length=128)]
RelationshipId = Annotated[str, Path(min_length=1, max_length=64)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
_SIGNED_IN = problem_responses(401, 403, 404, 409)


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def sign_out(staff: Staff, services: Services, response: Response) -> None:
    """Ends the staff session this request was made with."""
    services.identity.SignOut(identity_pb2.SignOutRequest(session_token=staff.session_token))
    clear_session_cookie(response, name=STAFF_COOKIE, path=STAFF_PATH)


@router.post("/patients", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN)
def add_patient(
    body: schemas.Demographics,
    staff: Staff,
    services: Services,
    key: IdempotencyKey,
    response: Response,
) -> schemas.Patient:
    """Adds a patient to the practice, NOT_ENROLLED: first name, last name and date of birth
    are required, the other demographics may follow."""
    answer = services.enrollment.AddPatient(
        enrollment_pb2.AddPatientRequest(
            idempotency_key=key,
            practice_id=staff.practice_id,
            demographics=convert.demographics_to_proto(body),
            mrn=body.mrn or "",
        )
    )
    response.headers["Location"] = f"{router.prefix}/patients/{answer.patient.patient_id}"
    return convert.patient(answer.patient)


@router.get("/patients/{patient_id}", responses=_SIGNED_IN)
def get_patient(patient_id: PatientId, staff: Staff, services: Services) -> schemas.Patient:
    """A patient of the practice, with enrollment status and history."""
    answer = services.enrollment.GetPatient(
        enrollment_pb2.GetPatientRequest(practice_id=staff.practice_id, patient_id=patient_id)
    )
    return convert.patient(answer.patient)


@router.patch("/patients/{patient_id}", responses=_SIGNED_IN)
def update_patient(
    patient_id: PatientId, body: schemas.Demographics, staff: Staff, services: Services
) -> schemas.Patient:
    """Changes the demographics present in the body ("Update Now", E3); null clears one."""
    answer = services.enrollment.UpdatePatient(
        enrollment_pb2.UpdatePatientRequest(
            practice_id=staff.practice_id,
            patient_id=patient_id,
            demographics=convert.demographics_to_proto(body),
            update_mask=convert.update_mask(body),
            mrn=body.mrn or "",
        )
    )
    return convert.patient(answer.patient)


@router.post("/patients/{patient_id}/enroll-now", responses=_SIGNED_IN)
def enroll_now(
    patient_id: PatientId,
    staff: Staff,
    services: Services,
    key: IdempotencyKey,
    body: schemas.EnrollNow | None = None,
) -> schemas.EnrollNowResult:
    """Enroll Now (E3, E4, E5): sends the invitation, or says which fields are missing (409).
    A patient who declined or deferred answers 409 CONFIRMATION_REQUIRED with when they
    responded, until the body confirms removing that response."""
    answer = services.enrollment.EnrollNow(
        enrollment_pb2.EnrollNowRequest(
            idempotency_key=key,
            practice_id=staff.practice_id,
            patient_id=patient_id,
            confirm_clear_response=body.confirm_clear_response if body else False,
        )
    )
    return schemas.EnrollNowResult(
        outcome=convert.enum_value(enrollment_pb2.EnrollNowOutcome, answer.outcome),
        patient=convert.patient(answer.patient),
        invitation=convert.invitation(answer.invitation) if answer.HasField("invitation") else None,
    )


@router.post("/patients/{patient_id}/resend-invitation", responses=_SIGNED_IN)
def resend_invitation(
    patient_id: PatientId, staff: Staff, services: Services, key: IdempotencyKey
) -> schemas.InvitationResent:
    """Resend Invitation (E4): a new invitation; every older one stops working."""
    answer = services.enrollment.ResendInvitation(
        enrollment_pb2.ResendInvitationRequest(
            idempotency_key=key, practice_id=staff.practice_id, patient_id=patient_id
        )
    )
    return schemas.InvitationResent(
        patient=convert.patient(answer.patient), invitation=convert.invitation(answer.invitation)
    )


@router.get("/patients/{patient_id}/proxies", responses=_SIGNED_IN)
def list_proxies(patient_id: PatientId, staff: Staff, services: Services) -> schemas.Family:
    """The family view of a patient (P6): every guardian and representative of the record, and
    the dependents and adults the patient's own account acts for, each with its kind, status,
    rights and history."""
    # The proxy service does not know whose patient this is; enrollment answers NOT_FOUND for
    # another practice's patient (S3), before anything is listed.
    patient = services.enrollment.GetPatient(
        enrollment_pb2.GetPatientRequest(practice_id=staff.practice_id, patient_id=patient_id)
    ).patient
    answer = services.proxy.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(
            practice_id=staff.practice_id, patient_id=patient_id, account_id=patient.account_id
        )
    )
    return convert.family(answer)


@router.put("/relationships/{relationship_id}/rights", responses=_SIGNED_IN)
def update_proxy_rights(
    relationship_id: RelationshipId, body: schemas.RightsUpdate, staff: Staff, services: Services
) -> schemas.Relationship:
    """Replaces a proxy's rights on the patient's behalf (P4, P6); the patient is told."""
    answer = services.proxy.UpdateRights(
        proxy_pb2.UpdateRightsRequest(
            relationship_id=relationship_id,
            scope=proxy_pb2.Scope(practice_id=staff.practice_id),
            **convert.rights_update(body),
        )
    )
    return convert.relationship(answer.relationship)


@router.delete("/relationships/{relationship_id}", responses=_SIGNED_IN)
def revoke_proxy(
    relationship_id: RelationshipId, staff: Staff, services: Services
) -> schemas.Relationship:
    """Ends a proxy's access at once (P4, P6); the patient is told. Safe to repeat."""
    answer = services.proxy.RevokeRelationship(
        proxy_pb2.RevokeRelationshipRequest(
            relationship_id=relationship_id, scope=proxy_pb2.Scope(practice_id=staff.practice_id)
        )
    )
    return convert.relationship(answer.relationship)


@router.post("/patients/search", responses=_SIGNED_IN)
def search_patients(
    criteria: schemas.PatientSearch, staff: Staff, services: Services
) -> schemas.PatientPage:
    """Patient search (S2): by part of a name, date of birth, MRN, email or phone, a page at a
    time; only the practice's own patients (S3). The criteria are PHI, so they travel in the
    body, never in a URL that proxies, logs and traces would keep (as FHIR's POST _search)."""
    answer = services.enrollment.SearchPatients(
        enrollment_pb2.SearchPatientsRequest(
            practice_id=staff.practice_id,
            name=criteria.name or "",
            date_of_birth=criteria.date_of_birth or "",
            mrn=criteria.mrn or "",
            email=criteria.email or "",
            phone=criteria.phone or "",
            page_size=criteria.page_size,
            page_token=criteria.page_token or "",
        )
    )
    return schemas.PatientPage(
        patients=[convert.patient(p) for p in answer.patients],
        next_page_token=answer.next_page_token or None,
    )


@router.get("/patients/{patient_id}/dashboard", responses=_SIGNED_IN)
def patient_dashboard(patient_id: PatientId, staff: Staff, services: Services) -> schemas.Dashboard:
    """The patient dashboard (S2, P6): demographics, enrollment status and history, invitations
    sent, proxies with their rights, the actions the staff member's permissions allow, and the
    portal username once the record is linked to an account (I7: for a patient who forgot it;
    each look-up is audited)."""
    where = {"practice_id": staff.practice_id, "patient_id": patient_id}
    patient = services.enrollment.GetPatient(enrollment_pb2.GetPatientRequest(**where)).patient
    invitations = services.enrollment.ListInvitations(
        enrollment_pb2.ListInvitationsRequest(**where)
    ).invitations
    proxies = services.proxy.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(**where)
    ).relationships
    actions = enrollment_pb2.PatientAction
    offered = [convert.enum_value(actions, a) for a in patient.available_actions]
    username = (
        services.identity.LookUpUsername(
            identity_pb2.LookUpUsernameRequest(
                account_id=patient.account_id, practice_id=staff.practice_id
            )
        ).username
        if patient.account_id
        else None
    )
    return schemas.Dashboard(
        patient=convert.patient(patient),
        username=username,
        invitations=[convert.invitation(i) for i in invitations],
        proxies=[convert.relationship(r) for r in proxies],
        actions=permitted_actions(offered, staff.permissions),
    )


@router.post("/patients/{patient_id}/unenroll", responses=_SIGNED_IN)
def unenroll(
    patient_id: PatientId,
    body: schemas.Unenrollment,
    staff: Staff,
    services: Services,
    key: IdempotencyKey,
) -> schemas.Patient:
    """Unenrolls an enrolled patient (E13); the account email is told. 409 says what the
    patient's status allows instead."""
    answer = services.enrollment.Unenroll(
        enrollment_pb2.UnenrollRequest(
            idempotency_key=key,
            practice_id=staff.practice_id,
            patient_id=patient_id,
            reason=convert.enum_number(enrollment_pb2.UnenrollReason, body.reason),
            note=body.note or "",
        )
    )
    return convert.patient(answer.patient)


@router.post("/patients/{patient_id}/reactivate", responses=_SIGNED_IN)
def reactivate(
    patient_id: PatientId, staff: Staff, services: Services, key: IdempotencyKey
) -> schemas.Patient:
    """Re-activates an unenrolled patient with the same account (E13)."""
    answer = services.enrollment.Reactivate(
        enrollment_pb2.ReactivateRequest(
            idempotency_key=key, practice_id=staff.practice_id, patient_id=patient_id
        )
    )
    return convert.patient(answer.patient)


@router.post("/patients/{patient_id}/unlock-activation", responses=_SIGNED_IN)
def unlock_activation(patient_id: PatientId, staff: Staff, services: Services) -> schemas.Patient:
    """Unlocks the patient's activation after too many wrong ZIP code or date of birth answers
    (E9), once the practice has checked with the patient; the current invitation works again
    if it has not expired or been replaced."""
    answer = services.enrollment.UnlockActivation(
        enrollment_pb2.UnlockActivationRequest(practice_id=staff.practice_id, patient_id=patient_id)
    )
    return convert.patient(answer.patient)


IDENTITY_CHECKS = {
    "photo_id": identity_pb2.IDENTITY_CHECK_PHOTO_ID,
    "call_back": identity_pb2.IDENTITY_CHECK_CALL_BACK,
    "known_in_person": identity_pb2.IDENTITY_CHECK_KNOWN_IN_PERSON,
}


@router.post("/patients/{patient_id}/password-reset-token", responses=_SIGNED_IN)
def issue_reset_token(
    patient_id: PatientId, body: schemas.ResetTokenIssue, staff: Staff, services: Services
) -> schemas.ResetTokenIssued:
    """Issues an 8-digit password reset token for the patient's account (I8 c), once you have
    checked who they are; say how. Older tokens stop working, and the account email is told."""
    where = {"practice_id": staff.practice_id, "patient_id": patient_id}
    patient = services.enrollment.GetPatient(enrollment_pb2.GetPatientRequest(**where)).patient
    if not patient.account_id:
        raise Problem(
            409,
            "NO_ACCOUNT",
            "This patient has no portal account yet: invite them (Enroll Now) instead.",
        )
    practice = services.enrollment.GetPractice(
        enrollment_pb2.GetPracticeRequest(practice_id=staff.practice_id)
    ).practice
    answer = services.identity.IssuePasswordResetToken(
        identity_pb2.IssuePasswordResetTokenRequest(
            account_id=patient.account_id,
            practice_id=staff.practice_id,
            practice_name=practice.name,
            identity_check=IDENTITY_CHECKS[body.identity_check],
        )
    )
    return schemas.ResetTokenIssued(
        token=answer.token, expires_at=convert.when(answer, "expires_at")
    )
