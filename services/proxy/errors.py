"""Proxy service errors, access and invitations alike: each says what to do."""

from __future__ import annotations

from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)


class InvalidRequest(InvalidArgument):
    """A proxy request with missing or malformed fields."""

    reason = "INVALID_PROXY_REQUEST"


class UnknownRights(InvalidArgument):
    """Rights that do not exist (P4)."""

    reason = "UNKNOWN_RIGHTS"

    def __init__(self, wrong: list[str]) -> None:
        super().__init__(
            "Use rights named area:level, areas health_records, messages, appointments, "
            "billing or forms, levels view or act; or a preset, full or view_only.",
            violations=[FieldViolation("rights", f"Unknown: {', '.join(wrong)}.")],
        )


class RelationshipNotFound(NotFound):
    """No relationship with this ID in the caller's scope (another practice's or patient's is
    not revealed, S3)."""

    reason = "RELATIONSHIP_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No proxy relationship with that ID is yours to change. List them again.")


class RelationshipEnded(FailedPrecondition):
    """The relationship was revoked or has expired; rights can no longer change."""

    reason = "RELATIONSHIP_ENDED"

    def __init__(self) -> None:
        super().__init__(
            "This proxy access has ended. Invite the person again to give them access."
        )


class NotAProxy(PermissionDenied):
    """The account has no relationship with the record (P4)."""

    reason = "NOT_A_PROXY"
    keeps_changes = True  # the denial is audited

    def __init__(self) -> None:
        super().__init__(
            "You do not act for this patient. Choose one of the records listed by "
            "GET /v1/patient/records."
        )


class ProxyAccessEnded(PermissionDenied):
    """The relationship was revoked, or the age rules ended it (P4, P7)."""

    reason = "PROXY_ACCESS_ENDED"
    keeps_changes = True  # the denial is audited

    def __init__(self) -> None:
        super().__init__(
            "Your access to this patient has ended. The patient or the practice can invite "
            "you again."
        )


class ProxyAccessSuspended(PermissionDenied):
    """The practice has the patient unenrolled, which pauses every proxy's access (E13)."""

    reason = "PROXY_ACCESS_SUSPENDED"
    keeps_changes = True  # the denial is audited

    def __init__(self) -> None:
        super().__init__(
            "The practice has paused portal access to this patient's record. Contact the "
            "practice: access returns, with the same rights, once they re-activate the patient."
        )


class ProxyRightMissing(PermissionDenied):
    """The relationship does not give the right asked for (P4, P7)."""

    reason = "PROXY_RIGHT_MISSING"
    keeps_changes = True  # the denial is audited

    def __init__(self, right: str) -> None:
        super().__init__(
            f"Your access to this patient does not include {right}. Ask the patient or the "
            "practice to change your rights."
        )


class InvitationRefused(InvalidArgument):
    """An invitation request with a field at fault (rights, email, oneself)."""

    reason = "PROXY_INVITATION_INVALID"


class AgeDoesNotFit(FailedPrecondition):
    """A guardian for an adult, or a representative for a minor."""

    reason = "PROXY_AGE_DOES_NOT_FIT"


class AlreadyProxy(AlreadyExists):
    """The account, or the invitee's email, already acts for the patient (P2)."""

    reason = "PROXY_ALREADY_ACTIVE"


class NotTheInviter(PermissionDenied):
    """A patient may invite a representative only for their own record."""

    reason = "PROXY_NOT_YOUR_RECORD"


class NotInvited(FailedPrecondition):
    """Only an invitation not yet accepted can be sent again."""

    reason = "PROXY_NOT_INVITED"


class InvitationNotVerified(NotFound):
    """E10, X3: an unknown, used, superseded, expired or locked link, or a ZIP code or date
    of birth that does not match, all answer alike; a wrong answer is counted (kept)."""

    reason = "PROXY_INVITATION_NOT_VERIFIED"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "This invitation link, ZIP code or date of birth does not work. Check the ZIP code "
            "and date of birth and try again; if it still fails, contact the practice and ask "
            "for a new invitation.",
            violations=[
                FieldViolation("zip_code", "Check the ZIP code."),
                FieldViolation("date_of_birth", "Check the date of birth."),
            ],
        )


class TicketNotValid(FailedPrecondition):
    reason = "PROXY_TICKET_NOT_VALID"

    def __init__(self) -> None:
        super().__init__(
            "This step has expired. Open the link in the invitation again and re-enter the ZIP "
            "code and date of birth.",
            violations=[FieldViolation("ticket", "Open the invitation link again.")],
        )


class AccountNotCreated(FailedPrecondition):
    reason = "PROXY_ACCOUNT_NOT_CREATED"

    def __init__(self) -> None:
        super().__init__(
            "Choose your username and password first; then enter the code we send you.",
            violations=[FieldViolation("ticket", "Create the account first.")],
        )
