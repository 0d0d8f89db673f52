"""Domain error kinds that every service raises; one interceptor maps them to gRPC status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class FieldViolation:
    """One field that is wrong or missing, and what to do about it."""

    field: str
    description: str


class DomainError(Exception):
    """Base of every expected failure. `message` is shown to the person: say what to do.

    Messages and metadata never hold PHI or secrets: they are logged and traced.
    """

    reason = "ERROR"
    # True for failures that must still commit the request's changes, e.g. a wrong answer
    # that is counted against an attempt limit.
    keeps_changes = False

    def __init__(
        self,
        message: str,
        *,
        violations: Sequence[FieldViolation] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.violations = tuple(violations)
        self.metadata = dict(metadata or {})


class InvalidArgument(DomainError):
    """The request is malformed; `violations` name the fields."""

    reason = "INVALID_ARGUMENT"


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    """A unique thing is taken."""

    reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    """The request is valid but the state does not allow it; `violations` say what is missing."""

    reason = "FAILED_PRECONDITION"


class ResourceExhausted(DomainError):
    """A limit is reached; `retry_after` says when to try again, if it is known."""

    reason = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, retry_after: timedelta | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    """The caller's credentials are missing, wrong or expired."""

    reason = "UNAUTHENTICATED"


class Unavailable(DomainError):
    """A service this one depends on cannot be reached; trying again later may work."""

    reason = "UNAVAILABLE"
