"""Proxy invitations (P1, P3): who is invited with which rights, identifying the patient from
the invitation, and linking a signed-in or a new account."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.accounts import FirstSession
from gateway.schemas.patients import Relationship
from gateway.schemas.types import (
    Code,
    Email,
    IsoDate,
    Name,
    Password,
    Preset,
    RelationshipKind,
    Right,
    Secret,
    Username,
    ZipCode,
    _Request,
)

RelationshipLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
]


class ProxyInvitationRequest(_Request):
    """The person invited and the rights to grant: a list ("area:level", e.g.
    "health_records:view") or a preset; a guardian gets "full" and a representative
    "view_only" when neither is given."""

    first_name: Name
    last_name: Name
    email: Email
    relationship_label: RelationshipLabel | None = None
    rights: list[Right] | None = Field(None, max_length=20)
    preset: Preset | None = None


class RepresentativeInvitationRequest(ProxyInvitationRequest):
    """A patient invites a representative for their own record; name the practice when the
    account has records at several."""

    practice_id: str | None = Field(None, min_length=1, max_length=64)


class ProxyInvitationVerify(_Request):
    """The token from the invitation link, and the patient's ZIP code and date of birth."""

    invitation_token: Secret
    zip_code: ZipCode
    date_of_birth: IsoDate


class ProxyInvitationTicket(BaseModel):
    """The ticket for the next step, and the invitee as invited, to prefill a new account."""

    ticket: str
    kind: RelationshipKind
    first_name: str
    last_name: str
    email: str
    relationship_label: str
    practice_id: str = Field(description="Pass to password-check for this practice's policy.")
    patient_first_name: str = Field(
        "", description="The patient's first name, to say whose invitation this is."
    )


class ProxyInvitationAccept(_Request):
    """Links the signed-in account with the ticket."""

    ticket: Secret
    relationship_label: RelationshipLabel | None = None


class ProxyAccountDetails(_Request):
    """Instead of signing in: who the invitee is and the security details they choose; the
    verification code goes to the email."""

    ticket: Secret
    first_name: Name
    last_name: Name
    email: Email
    relationship_label: RelationshipLabel | None = None
    username: Username
    password: Password


class ProxyAccountCodeSent(BaseModel):
    """Where the verification code went."""

    code_destination_hint: str


class ProxyAccountCodeResend(_Request):
    """The ticket of the account being created."""

    ticket: Secret


class ProxyAccountComplete(_Request):
    """The verification code the invitee received."""

    ticket: Secret
    code: Code


class ProxyAccountCreated(BaseModel):
    """The new, active account and the relationship it now has. The code that activated it
    also signed it in (`session`): it acts for the patient at once. `session` is null on a
    retry after success: then sign in."""

    account_id: str
    relationship: Relationship
    session: FirstSession | None = None
