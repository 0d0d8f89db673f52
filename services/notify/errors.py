"""Notify service errors: request errors for callers, delivery failures for the worker."""

from services.common.errors import InvalidArgument, NotFound


class InvalidNotification(InvalidArgument):
    """A notification request is missing a field or has a wrong one; violations name them."""

    reason = "INVALID_NOTIFICATION"


class InvalidBranding(InvalidArgument):
    """A practice's branding has a wrong field; violations name them."""

    reason = "INVALID_BRANDING"


class NotificationNotFound(NotFound):
    """No notification has the given ID."""

    reason = "NOTIFICATION_NOT_FOUND"


class DeliveryFailure(Exception):
    """A mail server or SMS provider did not take a message. Never crosses gRPC.

    `reason` is stored and logged, so it holds codes only, never recipient data; `permanent`
    says that no retry can help; `recipient_fault` that the address or number itself is
    undeliverable (a hard bounce, an invalid number), so it is recorded and the fallback used;
    `this_message_only` that a retry can help but the server took the connection (a full
    mailbox): the path is up, and the messages waiting for it need not wait.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        recipient_fault: bool = False,
        this_message_only: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.recipient_fault = recipient_fault
        self.this_message_only = this_message_only

    @property
    def provider_down(self) -> bool:
        """Whether the mail server or SMS provider could take no message just now (unreachable,
        timing out, busy, failing), rather than refusing this one."""
        return not (self.permanent or self.this_message_only)
