"""How an invitation's messages are getting on, as notify reports them (N5): the practice sees
a bounce or a failed text next to the invitation."""

from __future__ import annotations

import grpc
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

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
    with. Call it outside any transaction."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = notify_pb2_grpc.NotifyServiceStub(channel)

    def of(self, invitation: Invitation) -> list[pb.ChannelDelivery]:
        return [self._one(invitation.id, channel) for channel in invitation.channels]

    def _one(self, invitation_id: str, channel: str) -> pb.ChannelDelivery:
        request = notify_pb2.GetNotificationRequest(
            idempotency_key=notification_key(invitation_id, channel)
        )
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
