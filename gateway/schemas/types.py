"""The field types the shapes share, and the strict base of every request."""

from __future__ import annotations

from collections.abc import Callable
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
from pydantic_core import PydanticCustomError

from services.common import contacts

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


def _one_validator(
    check: Callable[[str], str], kind: str, *, as_written: bool = False
) -> AfterValidator:
    """The services' own check of a contact (services.common.contacts), so every route takes
    exactly the addresses and numbers notify can send to; the value goes on normalized, or
    `as_written` where people read it as the practice typed it."""

    def run(value: str) -> str:
        try:
            normalized = check(value)
        except contacts.InvalidContact as error:
            raise PydanticCustomError(f"invalid_{kind}", str(error)) from None
        return value if as_written else normalized

    return AfterValidator(run)


# An address or number the product keeps or sends to.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
    _one_validator(contacts.email_address, "email"),
    Field(examples=["jane.doe@example.com"]),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    _one_validator(contacts.phone_number, "phone"),
    Field(examples=["+1 312 555 0142"]),
]
# A phone people read as the practice wrote it (an email's footer), checked like any other.
DisplayPhone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    _one_validator(contacts.phone_number, "phone", as_written=True),
    Field(examples=["(312) 555-0100"]),
]
# What a person types to find or match a record (search, identity checks): compared with what
# is on file, never kept or sent to, so any form is taken.
EmailQuery = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
PhoneQuery = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
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
