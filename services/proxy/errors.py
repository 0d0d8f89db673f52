"""Proxy service errors: each says what to do."""

from __future__ import annotations

from services.common.errors import (
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


class ProxyRightMissing(PermissionDenied):
    """The relationship does not give the right asked for (P4, P7)."""

    reason = "PROXY_RIGHT_MISSING"
    keeps_changes = True  # the denial is audited

    def __init__(self, right: str) -> None:
        super().__init__(
            f"Your access to this patient does not include {right}. Ask the patient or the "
            "practice to change your rights."
        )
