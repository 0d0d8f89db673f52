"""Errors of proxy invitations and their acceptance (P1 to P3, E10, X3); each says what to do."""

from __future__ import annotations

from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
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


class RelationshipNotFound(NotFound):
    reason = "PROXY_RELATIONSHIP_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No such relationship for this patient or practice.")


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
