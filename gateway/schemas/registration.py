"""Self-registration from the logon page (E12), and the match requests it leaves a practice."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from gateway.schemas.types import (
    Code,
    Email,
    IsoDate,
    Name,
    Password,
    Phone,
    Secret,
    Username,
    ZipCode,
    _Request,
)


class PatientInformation(_Request):
    """Who the patient is, and at which practice; every field is required."""

    practice_id: str = Field(min_length=1, max_length=64)
    first_name: Name
    last_name: Name
    date_of_birth: IsoDate
    zip_code: ZipCode


class RegistrationTicket(BaseModel):
    """The secret ticket for the next registration steps; it says nothing of the practice's
    records."""

    registration_ticket: str
    practice_name: str
    practice_id: str = Field(description="Pass to password-check for this practice's policy.")


class RegistrationDetails(_Request):
    """The credentials the patient chooses. The code goes to the email, or by SMS to the cell
    phone when no email is given; one of them is needed."""

    registration_ticket: Secret
    username: Username
    password: Password
    email: Email | None = None
    cell_phone: Phone | None = None


class RegistrationCodeResend(_Request):
    """The registration whose verification code should be sent again."""

    registration_ticket: Secret


class RegistrationComplete(_Request):
    """The verification code the patient received."""

    registration_ticket: Secret
    code: Code


class Registered(BaseModel):
    """The active account: the same answer whether or not a record was linked to it."""

    account_id: str
    practice_name: str


class MatchRequest(BaseModel):
    """A self-registered account no record was linked to, with the demographics the patient
    gave, to find the patient's record by."""

    match_request_id: str
    account_id: str
    first_name: str
    last_name: str
    date_of_birth: str
    zip_code: str
    requested_at: datetime | None


class MatchRequests(BaseModel):
    """The practice's open match requests, newest first."""

    match_requests: list[MatchRequest]


class MatchRequestLink(_Request):
    """The practice's record the match request's account belongs to."""

    patient_id: str = Field(min_length=1, max_length=128)
