"""How an invitation's messages are getting on, as notify reports them (N5): the practice sees
a bounce or a failed text next to the invitation, and a message that never reached notify
within the retention window as failed, with why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import grpc
from sqlalchemy.orm import Session
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.common.outbox import Outbox
from services.enrollment.invitations import notification_key
from services.enrollment.models import Invitation

STATES = {
    notify_pb2.DELIVERY_STATE_QUEUED: "queued",
    notify_pb2.DELIVERY_STATE_SENT: "sent",
    notify_pb2.DELIVERY_STATE_FAILED: "failed",
}
# A dashboard must not wait long for a status it can show as unknown.
TIMEOUT_SECONDS = 2.0


class NotifyDeliveries:
    """Asks notify for the status of each channel's message, by the key enrollment sent it
    with, unless the outbox gave it up before notify had it."""

    def __init__(self, channel: grpc.Channel, outbox: Outbox) -> None:
        self._stub = notify_pb2_grpc.NotifyServiceStub(channel)
        self._outbox = outbox

    def given_up(self, session: Session, invitations: Sequence[Invitation]) -> dict[str, str]:
        """The messages of these invitations the outbox gave up, by key, with why."""
        keys = [notification_key(i.id, channel) for i in invitations for channel in i.channels]
        return self._outbox.dead_letters(session, keys)

    def of(self, invitation: Invitation, given_up: Mapping[str, str]) -> list[pb.ChannelDelivery]:
        """Each channel's status; `given_up` as `given_up()` answered. Call it outside any
        transaction: it asks notify."""
        return [self._one(invitation.id, channel, given_up) for channel in invitation.channels]

    def _one(
        self, invitation_id: str, channel: str, given_up: Mapping[str, str]
    ) -> pb.ChannelDelivery:
        key = notification_key(invitation_id, channel)
        if key in given_up:  # notify never had it
            return pb.ChannelDelivery(channel=channel, state="failed", last_error=given_up[key])
        request = notify_pb2.GetNotificationRequest(idempotency_key=key)
        try:
            found = self._stub.GetNotification(request, timeout=TIMEOUT_SECONDS).notification
        except grpc.RpcError as error:
            state = "relaying" if error.code() == grpc.StatusCode.NOT_FOUND else "unknown"
            return pb.ChannelDelivery(channel=channel, state=state)
        return pb.ChannelDelivery(
            channel=channel,
            state=STATES.get(found.state, "unknown"),
            last_error=found.last_error,
        )
