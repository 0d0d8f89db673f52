"""Self-registration routes (E12): a patient creates an account from the logon page; staff
see the match requests it leaves when no record could be linked, and link them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from vestibule.enrollment.v1 import enrollment_pb2

from gateway import convert, schemas
from gateway.auth import PATIENT_PATH, STAFF_PATH, Principal, signed_in_staff
from gateway.clients import Clients, clients
from gateway.routes.common import problem_responses
from gateway.routes.patient import TICKET_STEP

patient_router = APIRouter(prefix=f"{PATIENT_PATH}/registration", tags=["patient"])
practice_router = APIRouter(prefix=STAFF_PATH, tags=["match requests"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]


@patient_router.post("/patient-information", **TICKET_STEP)
def start_registration(
    body: schemas.PatientInformation, services: Services
) -> schemas.RegistrationTicket:
    """First step: the practice, first and last name, date of birth and ZIP code. The answer
    carries the ticket for the next steps and is the same whatever the practice's records
    hold (E12)."""
    answer = services.enrollment.StartRegistration(
        enrollment_pb2.StartRegistrationRequest(
            practice_id=body.practice_id,
            first_name=body.first_name,
            last_name=body.last_name,
            date_of_birth=body.date_of_birth,
            zip_code=body.zip_code,
        )
    )
    return schemas.RegistrationTicket(
        registration_ticket=answer.registration_ticket,
        practice_name=answer.practice_name,
        practice_id=answer.practice_id,
    )


@patient_router.post("/security-details", **TICKET_STEP)
def submit_registration_details(
    body: schemas.RegistrationDetails, services: Services
) -> schemas.CodeSent:
    """Second step: username, password, and an email or cell phone; a verification code is
    sent, by email when one is given, else by SMS."""
    answer = services.enrollment.SubmitRegistrationDetails(
        enrollment_pb2.SubmitRegistrationDetailsRequest(
            registration_ticket=body.registration_ticket,
            username=body.username,
            password=body.password,
            email=body.email or "",
            cell_phone=body.cell_phone or "",
        )
    )
    return convert.code_sent(answer)


@patient_router.post("/resend-code", **TICKET_STEP)
def resend_registration_code(
    body: schemas.RegistrationCodeResend, services: Services
) -> schemas.CodeSent:
    """A new verification code for the registration; the older one stops working."""
    answer = services.enrollment.ResendRegistrationCode(
        enrollment_pb2.ResendRegistrationCodeRequest(registration_ticket=body.registration_ticket)
    )
    return convert.code_sent(answer)


@patient_router.post("/complete", **TICKET_STEP)
def complete_registration(
    body: schemas.RegistrationComplete, services: Services
) -> schemas.Registered:
    """Last step: the code activates the account, which is linked to the practice's record
    when the patient information matches exactly one; the answer is the same either way."""
    answer = services.enrollment.CompleteRegistration(
        enrollment_pb2.CompleteRegistrationRequest(
            registration_ticket=body.registration_ticket, code=body.code
        )
    )
    return schemas.Registered(account_id=answer.account_id, practice_name=answer.practice_name)


@practice_router.get("/match-requests", responses=problem_responses(401, 403, 404))
def list_match_requests(
    staff: Staff,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.MatchRequests:
    """Self-registered accounts no record was linked to, newest first, with the demographics
    the patient gave: find the patient's record from them (E12)."""
    answer = services.enrollment.ListMatchRequests(
        enrollment_pb2.ListMatchRequestsRequest(practice_id=staff.practice_id, page_size=limit)
    )
    return schemas.MatchRequests(
        match_requests=[
            schemas.MatchRequest(
                match_request_id=row.match_request_id,
                account_id=row.account_id,
                first_name=row.first_name,
                last_name=row.last_name,
                date_of_birth=row.date_of_birth,
                zip_code=row.zip_code,
                requested_at=convert.when(row, "requested_at"),
            )
            for row in answer.match_requests
        ]
    )


@practice_router.post(
    "/match-requests/{match_request_id}/link", responses=problem_responses(401, 403, 404, 409)
)
def link_match_request(
    match_request_id: Annotated[str, Path(min_length=1, max_length=128)],
    body: schemas.MatchRequestLink,
    staff: Staff,
    services: Services,
) -> schemas.Patient:
    """Links the request's account to the record found for it: a record without an account,
    not unenrolled, becomes enrolled, and the request closes (E12)."""
    answer = services.enrollment.LinkMatchRequest(
        enrollment_pb2.LinkMatchRequestRequest(
            practice_id=staff.practice_id,
            match_request_id=match_request_id,
            patient_id=body.patient_id,
        )
    )
    return convert.patient(answer.patient)
