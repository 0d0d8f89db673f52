"""JSON shapes of the HTTP API: what the gateway validates, and what it answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

EnrollmentStatus = Literal[
    "not_enrolled", "pending", "enrolled", "declined", "deferred", "unenrolled"
]
BirthSex = Literal["female", "male", "unknown"]
RelationshipKind = Literal["guardian", "representative"]
EnrollNowOutcome = Literal["invitation_sent", "already_pending"]
CodeChannel = Literal["email", "sms"]
InvitationState = Literal["open", "superseded", "used", "expired", "locked"]
PatientAction = Literal["enroll_now", "resend_invitation", "unenroll", "reactivate"]
UnenrollReason = Literal["inactivity", "patient_request"]


def _calendar_date(value: str) -> str:
    date.fromisoformat(value)  # rejects 2024-02-30 and the like
    return value


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
    AfterValidator(_calendar_date),
    Field(json_schema_extra={"format": "date"}, examples=["1990-04-21"]),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ZipCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Mrn = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Username = Annotated[str, StringConstraints(min_length=1, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Problems (RFC 9457).


class FieldError(BaseModel):
    """One field that is wrong or missing, and what to do about it."""

    field: str
    detail: str


class ProblemDocument(BaseModel):
    """Every failure answers in this shape, as `application/problem+json`."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine reason, e.g. USERNAME_TAKEN.")
    errors: list[FieldError] = []
    metadata: dict[str, str] | None = None
    request_id: str


# Practice (staff) side.


class StaffSignIn(_Request):
    """A staff member's credentials."""

    user_id: Username
    password: Password


class Staff(BaseModel):
    """A signed-in staff member."""

    staff_id: str
    practice_id: str
    user_id: str
    first_name: str
    last_name: str
    permissions: list[str]


class StaffSession(BaseModel):
    """A new staff session; the token is also set as an HttpOnly cookie."""

    session_token: str
    expires_at: datetime | None
    staff: Staff


class Demographics(_Request):
    """Patient facts; every field is optional, and a present one must be well-formed. In a
    PATCH, the fields present are the ones changed, and null clears one."""

    first_name: Name | None = None
    last_name: Name | None = None
    date_of_birth: IsoDate | None = None
    birth_sex: BirthSex | None = None
    zip_code: ZipCode | None = None
    email: Email | None = None
    cell_phone: Phone | None = None
    # The practice's medical record number, unique within the practice.
    mrn: Mrn | None = None


class StatusChange(BaseModel):
    """One entry of a patient's enrollment history."""

    from_status: EnrollmentStatus | None
    to_status: EnrollmentStatus
    changed_at: datetime | None
    actor: str
    reason: str


class Patient(BaseModel):
    """A patient of the staff member's practice, with enrollment state."""

    patient_id: str
    first_name: str | None
    last_name: str | None
    date_of_birth: str | None
    birth_sex: BirthSex | None
    zip_code: str | None
    email: str | None
    cell_phone: str | None
    status: EnrollmentStatus
    invitation_requested_at: datetime | None
    account_id: str | None
    history: list[StatusChange]
    mrn: str | None = None


class Invitation(BaseModel):
    """An invitation sent to a patient."""

    invitation_id: str
    sent_at: datetime | None
    expires_at: datetime | None
    channels: list[str]
    state: InvitationState | None = None


class EnrollNowResult(BaseModel):
    """What Enroll Now did; `invitation` is null when the patient was already pending."""

    outcome: EnrollNowOutcome
    patient: Patient
    invitation: Invitation | None


class InvitationResent(BaseModel):
    """The patient after a resend, and the new invitation."""

    patient: Patient
    invitation: Invitation


class Relationship(BaseModel):
    """One proxy who may act for the patient."""

    relationship_id: str
    patient_id: str
    proxy_account_id: str
    kind: RelationshipKind
    rights: list[str]
    created_at: datetime | None


class Relationships(BaseModel):
    """The proxies of one patient."""

    relationships: list[Relationship]


# Patient side.


class PasswordCheck(_Request):
    """A candidate password, and the username it would go with if known."""

    password: Password
    username: Username | None = None


class Requirement(BaseModel):
    """One requirement of the password policy and whether the candidate meets it."""

    name: str
    description: str
    met: bool


class PasswordCheckResult(BaseModel):
    """Every requirement, in display order."""

    requirements: list[Requirement]
    acceptable: bool


class ActivationVerify(_Request):
    """The invitation token and the patient's answers."""

    invitation_token: Secret
    zip_code: ZipCode
    date_of_birth: IsoDate


class ActivationTicket(BaseModel):
    """The secret ticket for the next activation steps."""

    activation_ticket: str
    practice_name: str
    email_on_file: str | None


class SecurityDetails(_Request):
    """The credentials the patient chooses."""

    activation_ticket: Secret
    username: Username
    password: Password
    email: Email | None = None


class CodeSent(BaseModel):
    """Where the verification code went."""

    code_channel: CodeChannel
    code_destination_hint: str


class ActivationCodeResend(_Request):
    """The activation whose verification code should be sent again."""

    activation_ticket: Secret


class ActivationComplete(_Request):
    """The verification code the patient received."""

    activation_ticket: Secret
    code: Code


class Activated(BaseModel):
    """The activated account, linked to the patient record."""

    account_id: str
    practice_name: str


class SignIn(_Request):
    """A patient's credentials."""

    username: Username
    password: Password


class Account(BaseModel):
    """A portal account."""

    account_id: str
    username: str
    verified_email: str | None


class AccountSession(BaseModel):
    """A new session; the token is also set as an HttpOnly cookie."""

    session_token: str
    expires_at: datetime | None
    account: Account


class Enrollment(BaseModel):
    """One patient record the account is linked to."""

    practice_id: str
    practice_name: str
    patient_id: str
    status: EnrollmentStatus
    enrolled_at: datetime | None
    first_name: str | None


class Me(BaseModel):
    """The signed-in account and its patient records at every practice."""

    account: Account
    enrollments: list[Enrollment]


class Health(BaseModel):
    """The gateway process is alive."""

    status: Literal["ok"]


# Practice staff: personnel, sign-in steps, security policy (S1, S2).

StaffSignInStep = Literal["change_password", "enroll_second_factor", "second_factor"]
PermissionName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
StaffId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class StaffSignedIn(StaffSession):
    """A new staff session. Right after the authenticator app is set up, `recovery_codes` holds
    ten single-use codes, shown this once: keep them somewhere safe."""

    recovery_codes: list[str] | None = None


class TotpSetup(BaseModel):
    """What an authenticator app needs: scan the QR code, or enter the otpauth URI."""

    otpauth_uri: str
    qr_svg_data_uri: str


class StaffSignInChallenge(BaseModel):
    """The sign-in is not complete: do `next_step`, then continue with the challenge token."""

    next_step: StaffSignInStep
    challenge_token: str
    challenge_expires_at: datetime | None
    totp_setup: TotpSetup | None = None


class StaffSignInContinue(_Request):
    """The challenge token and exactly one answer: the one its step asks for."""

    challenge_token: Secret
    new_password: Password | None = None
    totp_code: Code | None = None
    recovery_code: Code | None = None

    def answers(self) -> dict[str, str]:
        """The answers given, by field name; a valid request has exactly one."""
        given = {"new_password": self.new_password, "totp_code": self.totp_code}
        given["recovery_code"] = self.recovery_code
        return {name: value for name, value in given.items() if value is not None}


class NewStaffMember(_Request):
    """A staff member to add (S1): they change this initial password at first sign-in."""

    user_id: Username
    password: Password
    first_name: Name
    last_name: Name
    permissions: list[PermissionName] = Field(default=[], max_length=32)
    copy_permissions_from_staff_id: StaffId | None = None


class StaffMemberDetails(Staff):
    """A staff member of the practice, as the personnel list shows them."""

    active: bool
    deactivated_at: datetime | None
    second_factor_enrolled: bool
    password_change_required: bool
    created_at: datetime | None


class StaffList(BaseModel):
    """Every staff member of the practice."""

    staff: list[StaffMemberDetails]


class PermissionsUpdate(_Request):
    """The permissions the staff member holds from now on."""

    permissions: list[PermissionName] = Field(max_length=32)


class PasswordChange(_Request):
    """The signed-in staff member's current password and the new one."""

    current_password: Password
    new_password: Password


class SecurityPolicy(BaseModel):
    """How the practice's staff sign in; `updated_by` is null while it is the default."""

    second_factor_required: bool
    updated_at: datetime | None
    updated_by: str | None


class SecurityPolicyUpdate(_Request):
    """Whether the practice's staff must sign in with a second factor."""

    second_factor_required: bool


class AuditRecord(BaseModel):
    """One action in a service's audit trail (X2)."""

    record_id: str
    service: str
    sequence: int
    occurred_at: datetime
    actor: str = Field(description='"staff:<id>", "account:<id>", "anonymous" or "system".')
    on_behalf_of: str | None
    action: str
    target: str
    patient_id: str | None
    outcome: Literal["success", "denied", "failed"]
    client_address: str | None
    request_id: str
    details: dict[str, str]


class AuditPage(BaseModel):
    """Audit records from every service, newest first."""

    records: list[AuditRecord]
    next_page_token: str | None


class RecordActivity(BaseModel):
    """Who did what with one of the patient's records, and when (X2)."""

    occurred_at: datetime
    practice_id: str | None
    actor: str = Field(description='"staff:<id>", "account:<id>" (you or a proxy) or "system".')
    on_behalf_of: str | None
    action: str
    outcome: Literal["success", "denied", "failed"]


class RecordActivityList(BaseModel):
    """The newest actions on the patient's records at every practice."""

    activity: list[RecordActivity]


# Patient search, dashboard and unenrollment (S2, E13).


class PatientSearch(_Request):
    """Search criteria (at least one; each given one must match) and the page wanted. Names
    match in part, first or last, not case-sensitive; a phone may be in any format."""

    name: Name | None = None
    date_of_birth: IsoDate | None = None
    mrn: Mrn | None = None
    email: Email | None = None
    phone: Phone | None = None
    page_size: int = Field(25, ge=1, le=100)
    page_token: str | None = Field(None, min_length=1, max_length=1024)


class PatientPage(BaseModel):
    """One page of matches, by last name, first name; `next_page_token` asks for the next."""

    patients: list[Patient]
    next_page_token: str | None


class Dashboard(BaseModel):
    """What staff see of one patient: the record with its history, the invitations sent, the
    proxies with their rights (P6), and the enrollment actions this staff member may take now."""

    patient: Patient
    invitations: list[Invitation]
    proxies: list[Relationship]
    actions: list[PatientAction]


class Unenrollment(_Request):
    """Why the practice unenrolls the patient; the note is kept in the history (no PHI)."""

    reason: UnenrollReason
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
