"""The field types the shapes share, and the strict base of every request."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

EnrollmentStatus = Literal[
    "not_enrolled", "pending", "enrolled", "declined", "deferred", "unenrolled"
]
BirthSex = Literal["female", "male", "unknown"]
RelationshipKind = Literal["guardian", "representative"]
RelationshipStatus = Literal["invited", "active", "revoked", "expired", "suspended"]
# An access right, "area:level" (P4); the proxy service names the ones that exist.
Right = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Preset = Literal["full", "view_only"]
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
# The first line of a home address; the service collapses inner runs of white space.
StreetAddress = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Mrn = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Username = Annotated[str, StringConstraints(min_length=1, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class _Request(BaseModel):
    """A request body: unknown fields and NUL characters (which no database column takes) are
    refused with a problem naming the field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Remove the NUL character.")
        return value
