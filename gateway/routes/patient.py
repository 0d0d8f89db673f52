"""Patient routes: password check, activation from an invitation (E9) or the patient's response
instead (E11), sessions, own account."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response, status
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2

from gateway import convert, schemas
from gateway.auth import (
    PATIENT_COOKIE,
    PATIENT_PATH,
    Principal,
    clear_session_cookie,
    signed_in_account,
)
from gateway.clients import Clients, clients
from gateway.ratelimit import rate_limited
from gateway.routes.account_security import SIGN_IN_RESPONSES, session_or_second_factor
from gateway.routes.common import device_label, device_token, problem_responses

router = APIRouter(prefix=PATIENT_PATH, tags=["patient"])

Services = Annotated[Clients, Depends(clients)]
Account = Annotated[Principal, Depends(signed_in_account)]
# The steps a stranger takes with a ticket, activation and self-registration alike.
TICKET_STEP = {
    "dependencies": [Depends(rate_limited("activation"))],
    "responses": problem_responses(404, 409),
}
# A response from the invitation (E11) is limited like activation: both guess at tokens.
_INVITATION = {
    "dependencies": [Depends(rate_limited("activation"))],
    "responses": problem_responses(404),
}


@router.post(
    "/password-check",
    dependencies=[Depends(rate_limited("password_check"))],
    responses=problem_responses(),
)
def check_password(body: schemas.PasswordCheck, services: Services) -> schemas.PasswordCheckResult:
    """Each requirement of the password policy, met or not, for a candidate (I2)."""
    answer = services.identity.CheckPassword(
        identity_pb2.CheckPasswordRequest(
            password=body.password, username=body.username or "", practice_id=body.practice_id or ""
        )
    )
    return schemas.PasswordCheckResult(
        requirements=[
            schemas.Requirement(
                name=r.name, description=r.description, met=r.met, limit=r.limit or None
            )
            for r in answer.requirements
        ],
        acceptable=answer.acceptable,
    )


@router.post("/activation/verify", **TICKET_STEP)
def verify_invitation(
    body: schemas.ActivationVerify, services: Services
) -> schemas.ActivationTicket:
    """First activation step: ZIP code and date of birth prove the invitation is the
    patient's; the answer carries the ticket for the next steps (E9)."""
    answer = services.enrollment.VerifyInvitation(
        enrollment_pb2.VerifyInvitationRequest(
            invitation_token=body.invitation_token,
            zip_code=body.zip_code,
            date_of_birth=body.date_of_birth,
        )
    )
    return schemas.ActivationTicket(
        activation_ticket=answer.activation_ticket,
        practice_name=answer.practice_name,
        email_on_file=answer.email_on_file or None,
        practice_id=answer.practice_id,
    )


@router.post("/activation/security-details", **TICKET_STEP)
def submit_security_details(body: schemas.SecurityDetails, services: Services) -> schemas.CodeSent:
    """Second activation step: username, password and email; a verification code is sent."""
    answer = services.enrollment.SubmitSecurityDetails(
        enrollment_pb2.SubmitSecurityDetailsRequest(
            activation_ticket=body.activation_ticket,
            username=body.username,
            password=body.password,
            email=body.email or "",
        )
    )
    return convert.code_sent(answer)


@router.post("/activation/resend-code", **TICKET_STEP)
def resend_activation_code(
    body: schemas.ActivationCodeResend, services: Services
) -> schemas.CodeSent:
    """A new verification code for the activation; the older one stops working."""
    answer = services.enrollment.ResendActivationCode(
        enrollment_pb2.ResendActivationCodeRequest(activation_ticket=body.activation_ticket)
    )
    return convert.code_sent(answer)


@router.post("/activation/complete", **TICKET_STEP)
def complete_activation(body: schemas.ActivationComplete, services: Services) -> schemas.Activated:
    """Last activation step: the code activates the account and links the patient record."""
    answer = services.enrollment.CompleteActivation(
        enrollment_pb2.CompleteActivationRequest(
            activation_ticket=body.activation_ticket, code=body.code
        )
    )
    return schemas.Activated(account_id=answer.account_id, practice_name=answer.practice_name)


def _answered(
    status: Literal["declined", "deferred"],
    answer: enrollment_pb2.DeclineInvitationResponse | enrollment_pb2.DeferInvitationResponse,
) -> schemas.InvitationAnswered:
    return schemas.InvitationAnswered(
        status=status,
        practice_name=answer.practice_name,
        practice_phone=answer.practice_phone or None,
    )


@router.post("/invitations/decline", **_INVITATION)
def decline_invitation(
    body: schemas.InvitationToken, services: Services
) -> schemas.InvitationAnswered:
    """From the invitation, the patient declines the portal (E11); the link stops working. A
    link that does not work answers 404: contact the practice (E10)."""
    answer = services.enrollment.DeclineInvitation(
        enrollment_pb2.DeclineInvitationRequest(invitation_token=body.invitation_token)
    )
    return _answered("declined", answer)


@router.post("/invitations/defer", **_INVITATION)
def defer_invitation(
    body: schemas.InvitationToken, services: Services
) -> schemas.InvitationAnswered:
    """From the invitation, the patient asks to be reminded later (E11): the link keeps
    working until it expires, and a reminder goes out after the practice's number of days. A
    link that does not work answers 404: contact the practice (E10)."""
    answer = services.enrollment.DeferInvitation(
        enrollment_pb2.DeferInvitationRequest(invitation_token=body.invitation_token)
    )
    return _answered("deferred", answer)


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("sign_in"))],
    responses=SIGN_IN_RESPONSES,
)
def sign_in(
    body: schemas.SignIn,
    response: Response,
    services: Services,
    device: Annotated[str, Depends(device_label)],
    remembered: Annotated[str, Depends(device_token)],
) -> schemas.AccountSession | schemas.SignInChallenge:
    """Signs a patient in: 201 with the session (also set as a cookie), or, when the account
    has its authenticator app on, 202 with a challenge token for `POST /sessions/continue`.
    Wrong passwords in a row slow down, then lock sign-in for 15 minutes (429 with
    Retry-After), for a username that exists or not alike; a remembered device keeps signing
    in."""
    answer = services.identity.SignIn(
        identity_pb2.SignInRequest(
            username=body.username,
            password=body.password,
            device_label=device,
            device_token=remembered,
            remember_device=body.remember_device,
        )
    )
    return session_or_second_factor(answer, response)


@router.delete(
    "/sessions/current",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
)
def sign_out(account: Account, services: Services, response: Response) -> None:
    """Ends the session this request was made with."""
    services.identity.SignOut(identity_pb2.SignOutRequest(session_token=account.session_token))
    clear_session_cookie(response, name=PATIENT_COOKIE, path=PATIENT_PATH)


@router.get("/me", responses=problem_responses(401))
def me(account: Account, services: Services) -> schemas.Me:
    """The signed-in account and the patient records it is linked to, at every practice."""
    details = services.identity.GetAccount(
        identity_pb2.GetAccountRequest(account_id=account.principal_id)
    )
    linked = services.enrollment.ListAccountEnrollments(
        enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account.principal_id)
    )
    return schemas.Me(
        account=convert.account(details.account),
        enrollments=[convert.enrollment(e) for e in linked.enrollments],
    )
