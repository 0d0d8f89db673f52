"""The practice's patients: registry, invitations, proxies, search, dashboard (E1 to E5, E13)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.types import (
    BirthSex,
    Email,
    EmailQuery,
    EnrollmentStatus,
    EnrollNowOutcome,
    InvitationState,
    IsoDate,
    Mrn,
    Name,
    PatientAction,
    Phone,
    PhoneQuery,
    Preset,
    RelationshipKind,
    RelationshipStatus,
    Right,
    StreetAddress,
    UnenrollReason,
    ZipCode,
    _Request,
)


class Demographics(_Request):
    """Patient facts; a present one must be well-formed. A new patient needs first name, last
    name and date of birth (the enrollment service names each one missing); the rest may
    follow. In a PATCH, the fields present are the ones changed, and null clears one (not
    those three)."""

    first_name: Name | None = None
    last_name: Name | None = None
    date_of_birth: IsoDate | None = None
    birth_sex: BirthSex | None = None
    zip_code: ZipCode | None = None
    email: Email | None = None
    cell_phone: Phone | None = None
    home_phone: Phone | None = None
    # The first line of the home address, e.g. "12 Oak Street Apt 4".
    street_address: StreetAddress | None = None
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
    home_phone: str | None
    street_address: str | None
    status: EnrollmentStatus
    invitation_requested_at: datetime | None
    account_id: str | None
    history: list[StatusChange]
    mrn: str | None = None


class ChannelDelivery(BaseModel):
    """How the invitation's message on one channel is getting on: "relaying", "queued",
    "sent", "failed" (with why: a bounce, or not delivered within the retention window) or
    "unknown"."""

    channel: str
    state: str
    last_error: str | None = None


class Invitation(BaseModel):
    """An invitation sent to a patient; `deliveries` shows each channel's message where the
    route lists invitations."""

    invitation_id: str
    sent_at: datetime | None
    expires_at: datetime | None
    channels: list[str]
    state: InvitationState | None = None
    deliveries: list[ChannelDelivery] = []


class EnrollNow(_Request):
    """Enroll Now's one option; the body may be left out."""

    confirm_clear_response: bool = Field(
        False,
        description="For a patient who declined or deferred (E5): true removes the patient's "
        "response and sends the invitation. Without it such a patient answers 409 "
        "CONFIRMATION_REQUIRED, saying when the patient responded.",
    )


class EnrollNowResult(BaseModel):
    """What Enroll Now did; `invitation` is null when the patient was already pending."""

    outcome: EnrollNowOutcome
    patient: Patient
    invitation: Invitation | None


class InvitationResent(BaseModel):
    """The patient after a resend, and the new invitation."""

    patient: Patient
    invitation: Invitation


class RelationshipChange(BaseModel):
    """One entry of a relationship's history: what, when, by whom, and the rights after it."""

    event: str
    at: datetime | None
    actor: str
    rights: list[str]


class Relationship(BaseModel):
    """One proxy who may act for a patient: its kind and status, the rights granted, the
    rights it has today (`effective_rights`, after the age rules), and its history."""

    relationship_id: str
    practice_id: str
    patient_id: str
    proxy_account_id: str | None
    kind: RelationshipKind
    status: RelationshipStatus
    relationship_label: str
    proxy_first_name: str
    proxy_last_name: str
    rights: list[str]
    effective_rights: list[str]
    created_at: datetime | None
    history: list[RelationshipChange]


class Relationships(BaseModel):
    """The proxies of one record."""

    relationships: list[Relationship]


class Family(BaseModel):
    """A patient's family view (P6): the proxies who act for the record, and the records the
    patient's own account acts for (dependents, people they represent)."""

    relationships: list[Relationship]
    acting_for: list[Relationship]


class RightsUpdate(_Request):
    """The new rights, as a list of `area:level` (areas health_records, messages, appointments,
    billing, forms; levels view or act, act including view) or as a preset (full or view_only),
    not both."""

    rights: list[Right] | None = Field(None, max_length=20)
    preset: Preset | None = None


class PatientSearch(_Request):
    """Search criteria (at least one; each given one must match) and the page wanted. Names
    match in part, first or last, not case-sensitive; a phone may be in any format."""

    name: Name | None = None
    date_of_birth: IsoDate | None = None
    mrn: Mrn | None = None
    email: EmailQuery | None = None
    phone: PhoneQuery | None = None
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
    # The portal username of the account linked to the record, None before one is; staff read
    # it to a patient who forgot it (I7), and each look-up is audited.
    username: str | None
    invitations: list[Invitation]
    proxies: list[Relationship]
    actions: list[PatientAction]


class Unenrollment(_Request):
    """Why the practice unenrolls the patient; the note is kept in the history (no PHI)."""

    reason: UnenrollReason
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
