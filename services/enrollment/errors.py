"""Enrollment service errors: each message tells the person or the practice what to do."""

from __future__ import annotations

from datetime import datetime

from services.common.db import utcnow
from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)


class InvalidDemographics(InvalidArgument):
    reason = "INVALID_DEMOGRAPHICS"


class PracticeNotFound(NotFound):
    reason = "PRACTICE_NOT_FOUND"


class PatientNotFound(NotFound):
    reason = "PATIENT_NOT_FOUND"


class MissingRequiredFields(FailedPrecondition):
    """Enroll Now on a patient whose chart lacks required fields (E3)."""

    reason = "MISSING_REQUIRED_FIELDS"


class StatusDoesNotAllow(FailedPrecondition):
    reason = "STATUS_DOES_NOT_ALLOW"


class ConfirmationRequired(FailedPrecondition):
    """Enroll Now on a patient who declined or deferred (E5), before staff confirm that the
    patient's response is removed."""

    reason = "CONFIRMATION_REQUIRED"


class MrnTaken(AlreadyExists):
    """Another patient of the practice has this medical record number."""

    reason = "MRN_TAKEN"


class SearchCriteriaMissing(InvalidArgument):
    reason = "SEARCH_CRITERIA_MISSING"


class PageTokenNotValid(InvalidArgument):
    reason = "PAGE_TOKEN_NOT_VALID"


class InvitationNotValid(NotFound):
    """E10: unknown, superseded, used, expired or locked; the patient cannot tell which."""

    reason = "INVITATION_NOT_VALID"

    def __init__(self) -> None:
        super().__init__(
            "This invitation link no longer works. Contact your practice and ask them to send "
            "you a new invitation."
        )


class InvitationThrottled(ResourceExhausted):
    """E7: the patient was sent as many invitations as the practice allows in its window."""

    reason = "INVITATION_THROTTLED"

    def __init__(self, *, max_sends: int, window_days: int, allowed_at: datetime, local: str):
        super().__init__(
            f"This patient was sent {max_sends} invitations in the last {window_days} days, as "
            f"many as the practice allows. The next can go out from {local}.",
            retry_after=allowed_at - utcnow(),
        )


class AnswersDoNotMatch(InvalidArgument):
    """A wrong ZIP code or date of birth (E9); the attempt is counted."""

    reason = "ANSWERS_DO_NOT_MATCH"
    keeps_changes = True


class InvitationLocked(ResourceExhausted):
    """Too many wrong answers (E9); the attempt that locked it is kept."""

    reason = "INVITATION_LOCKED"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "Too many attempts with a ZIP code and date of birth that do not match. This "
            "invitation is locked: contact your practice and ask them to send a new one."
        )


class ActivationTicketNotValid(FailedPrecondition):
    reason = "ACTIVATION_TICKET_NOT_VALID"

    def __init__(self) -> None:
        super().__init__(
            "This activation has expired. Open the link in your invitation again and re-enter "
            "your ZIP code and date of birth."
        )


class SecurityDetailsAlreadySubmitted(FailedPrecondition):
    reason = "SECURITY_DETAILS_ALREADY_SUBMITTED"


class SecurityDetailsMissing(FailedPrecondition):
    reason = "SECURITY_DETAILS_MISSING"


class RegistrationTicketNotValid(FailedPrecondition):
    """A self-registration ticket that is unknown, expired or already completed (E12)."""

    reason = "REGISTRATION_TICKET_NOT_VALID"

    def __init__(self) -> None:
        super().__init__(
            "This registration is no longer open. If you finished it, sign in with your username "
            "and password; otherwise start again from the sign-in page."
        )


class MatchRequestNotFound(NotFound):
    reason = "MATCH_REQUEST_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No such match request at this practice. List the open ones again.")


class MatchRequestClosed(FailedPrecondition):
    """The match request was linked to another record already (E12)."""

    reason = "MATCH_REQUEST_CLOSED"

    def __init__(self) -> None:
        super().__init__(
            "This match request is already linked to another record. List the open match "
            "requests again."
        )
