"""Proxy invitation routes (P1, P3, E10): staff invite a guardian or a representative and
resend; a patient invites a representative from the profile; the invitee identifies the
patient, then links the account they are signed in with or creates one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert, schemas
from gateway.acting import record_unenrolled
from gateway.auth import (
    PATIENT_COOKIE,
    PATIENT_PATH,
    STAFF_PATH,
    Principal,
    set_session_cookie,
    signed_in_account,
    signed_in_staff,
)
from gateway.clients import Clients, clients
from gateway.problems import Problem
from gateway.routes.common import device_label, idempotency_key, problem_responses
from gateway.routes.patient import TICKET_STEP

practice_router = APIRouter(prefix=STAFF_PATH, tags=["proxy invitations"])
patient_router = APIRouter(prefix=PATIENT_PATH, tags=["proxy invitations"])

Services = Annotated[Clients, Depends(clients)]
# The practice is always the signed-in staff member's own (S3).
Staff = Annotated[Principal, Depends(signed_in_staff)]
Account = Annotated[Principal, Depends(signed_in_account)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
PatientId = Annotated[str, Path(min_length=1, max_length=128)]
RelationshipId = Annotated[str, Path(min_length=1, max_length=128)]
_SIGNED_IN = problem_responses(401, 403, 404, 409)


def _invitee(body: schemas.ProxyInvitationRequest) -> proxy_pb2.Invitee:
    return proxy_pb2.Invitee(
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        relationship_label=body.relationship_label or "",
    )


@practice_router.post(
    "/patients/{patient_id}/guardians", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN
)
def invite_guardian(
    patient_id: PatientId,
    body: schemas.ProxyInvitationRequest,
    staff: Staff,
    services: Services,
    key: IdempotencyKey,
) -> schemas.Relationship:
    """Invites a guardian for a dependent under the age of majority (P1); the invitation goes
    out by email. A patient of age answers 409: invite a representative instead."""
    answer = services.proxy.InviteGuardian(
        proxy_pb2.InviteGuardianRequest(
            idempotency_key=f"staff:{staff.practice_id}:{key}",
            practice_id=staff.practice_id,
            patient_id=patient_id,
            invitee=_invitee(body),
            rights=body.rights or [],
            preset=body.preset or "",
        )
    )
    return convert.relationship(answer.relationship)


@practice_router.post(
    "/patients/{patient_id}/representatives",
    status_code=status.HTTP_201_CREATED,
    responses=_SIGNED_IN,
)
def invite_representative_for_patient(
    patient_id: PatientId,
    body: schemas.ProxyInvitationRequest,
    staff: Staff,
    services: Services,
    key: IdempotencyKey,
) -> schemas.Relationship:
    """Invites a trusted representative for an adult patient, on the patient's behalf (P3)."""
    answer = services.proxy.InviteRepresentative(
        proxy_pb2.InviteRepresentativeRequest(
            idempotency_key=f"staff:{staff.practice_id}:{key}",
            practice_id=staff.practice_id,
            patient_id=patient_id,
            invitee=_invitee(body),
            rights=body.rights or [],
            preset=body.preset or "",
        )
    )
    return convert.relationship(answer.relationship)


@practice_router.post("/relationships/{relationship_id}/resend", responses=_SIGNED_IN)
def resend_proxy_invitation(
    relationship_id: RelationshipId, staff: Staff, services: Services
) -> schemas.Relationship:
    """Sends an invitation not yet accepted again; the older link stops working (E10)."""
    answer = services.proxy.ResendProxyInvitation(
        proxy_pb2.ResendProxyInvitationRequest(
            relationship_id=relationship_id, scope=proxy_pb2.Scope(practice_id=staff.practice_id)
        )
    )
    return convert.relationship(answer.relationship)


@patient_router.post("/representatives", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN)
def invite_representative(
    body: schemas.RepresentativeInvitationRequest,
    account: Account,
    services: Services,
    key: IdempotencyKey,
) -> schemas.Relationship:
    """The signed-in adult patient invites a trusted representative for their own record at a
    practice (P3); name `practice_id` when the account has records at several."""
    enrollments = services.enrollment.ListAccountEnrollments(
        enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account.principal_id)
    ).enrollments
    records = [
        e for e in enrollments if not body.practice_id or e.practice.practice_id == body.practice_id
    ]
    if not records:
        raise Problem(
            404,
            "PATIENT_RECORD_NOT_FOUND",
            "Your account has no patient record at this practice.",
            errors=[schemas.FieldError(field="practice_id", detail="No record of yours there.")],
        )
    if len(records) > 1:
        raise Problem(
            422,
            "PRACTICE_REQUIRED",
            "Your account has records at several practices: name the practice.",
            errors=[schemas.FieldError(field="practice_id", detail="Required.")],
        )
    record = records[0]
    if record.access_suspended:
        raise record_unenrolled(record.practice)
    answer = services.proxy.InviteRepresentative(
        proxy_pb2.InviteRepresentativeRequest(
            idempotency_key=f"account:{account.principal_id}:{key}",
            practice_id=record.practice.practice_id,
            patient_id=record.patient_id,
            inviter_account_id=account.principal_id,
            invitee=_invitee(body),
            rights=body.rights or [],
            preset=body.preset or "",
        )
    )
    return convert.relationship(answer.relationship)


@patient_router.post("/proxy-invitations/verify", **TICKET_STEP)
def verify_proxy_invitation(
    body: schemas.ProxyInvitationVerify, services: Services
) -> schemas.ProxyInvitationTicket:
    """First step for the invitee: the patient's ZIP code and date of birth. A link that does
    not work and answers that do not match look alike (404); five wrong answers end the link."""
    answer = services.proxy.VerifyProxyInvitation(
        proxy_pb2.VerifyProxyInvitationRequest(
            invitation_token=body.invitation_token,
            zip_code=body.zip_code,
            date_of_birth=body.date_of_birth,
        )
    )
    return schemas.ProxyInvitationTicket(
        ticket=answer.ticket,
        kind=convert.enum_value(proxy_pb2.RelationshipKind, answer.kind),
        first_name=answer.invitee.first_name,
        last_name=answer.invitee.last_name,
        email=answer.invitee.email,
        relationship_label=answer.invitee.relationship_label,
        practice_id=answer.practice_id,
        patient_first_name=answer.patient_first_name,
    )


@patient_router.post("/proxy-invitations/accept", responses=_SIGNED_IN)
def accept_proxy_invitation(
    body: schemas.ProxyInvitationAccept, account: Account, services: Services
) -> schemas.Relationship:
    """Links the signed-in account to the patient (P1, P3); the answer names the patient the
    account now acts for."""
    answer = services.proxy.AcceptProxyInvitation(
        proxy_pb2.AcceptProxyInvitationRequest(
            ticket=body.ticket,
            account_id=account.principal_id,
            relationship_label=body.relationship_label or "",
        )
    )
    return convert.relationship(answer.relationship)


@patient_router.post("/proxy-invitations/account", **TICKET_STEP)
def create_proxy_account(
    body: schemas.ProxyAccountDetails, services: Services
) -> schemas.ProxyAccountCodeSent:
    """Instead of signing in: the invitee's name, email and relationship, then username and
    password; a verification code goes to the email."""
    answer = services.proxy.CreateProxyAccount(
        proxy_pb2.CreateProxyAccountRequest(
            ticket=body.ticket,
            username=body.username,
            password=body.password,
            email=body.email,
            first_name=body.first_name,
            last_name=body.last_name,
            relationship_label=body.relationship_label or "",
        )
    )
    return schemas.ProxyAccountCodeSent(code_destination_hint=answer.code_destination_hint)


@patient_router.post("/proxy-invitations/account/resend-code", **TICKET_STEP)
def resend_proxy_account_code(
    body: schemas.ProxyAccountCodeResend, services: Services
) -> schemas.ProxyAccountCodeSent:
    """Sends a new verification code to the email of the account being created; the older
    code stops working."""
    answer = services.proxy.ResendProxyAccountCode(
        proxy_pb2.ResendProxyAccountCodeRequest(ticket=body.ticket)
    )
    return schemas.ProxyAccountCodeSent(code_destination_hint=answer.code_destination_hint)


@patient_router.post("/proxy-invitations/complete", **TICKET_STEP)
def complete_proxy_account(
    body: schemas.ProxyAccountComplete,
    response: Response,
    services: Services,
    device: Annotated[str, Depends(device_label)],
) -> schemas.ProxyAccountCreated:
    """Last step of a new account: the code activates it, links it to the patient and signs
    it in (the session is also set as a cookie), so the invitee acts for the patient at once."""
    answer = services.proxy.CompleteProxyAccount(
        proxy_pb2.CompleteProxyAccountRequest(
            ticket=body.ticket, code=body.code, device_label=device
        )
    )
    session = None
    if answer.HasField("session"):
        session = schemas.FirstSession(
            session_token=answer.session.session_token,
            expires_at=convert.when(answer.session, "expires_at"),
            factors=answer.session.factors,
            required_actions=list(answer.session.required_actions),
        )
        set_session_cookie(
            response,
            name=PATIENT_COOKIE,
            path=PATIENT_PATH,
            token=session.session_token,
            expires_at=session.expires_at,
        )
    return schemas.ProxyAccountCreated(
        account_id=answer.account_id,
        relationship=convert.relationship(answer.relationship),
        session=session,
    )
