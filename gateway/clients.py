"""The gRPC stubs of the services the gateway calls, one channel each."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from fastapi import Request
from vestibule.audit.v1 import audit_pb2_grpc
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc
from vestibule.notify.v1 import notify_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2_grpc

from services.common.clients import channel_to
from services.common.migrate import SERVICES
from services.common.settings import Settings


@dataclass(frozen=True)
class Clients:
    """Stubs whose calls carry the request context and a deadline (services.common.clients)."""

    identity: identity_pb2_grpc.IdentityServiceStub
    enrollment: enrollment_pb2_grpc.EnrollmentServiceStub
    proxy: proxy_pb2_grpc.ProxyServiceStub
    notify: notify_pb2_grpc.NotifyServiceStub
    # Every service's audit trail, by service name.
    audit: dict[str, audit_pb2_grpc.AuditServiceStub]
    channels: tuple[grpc.Channel, ...]

    @classmethod
    def connect(cls, shared: Settings) -> Clients:
        """Opens a channel to each service named in the shared settings."""
        channels = {name: channel_to(shared, name) for name in SERVICES}
        return cls(
            identity=identity_pb2_grpc.IdentityServiceStub(channels["identity"]),
            enrollment=enrollment_pb2_grpc.EnrollmentServiceStub(channels["enrollment"]),
            proxy=proxy_pb2_grpc.ProxyServiceStub(channels["proxy"]),
            notify=notify_pb2_grpc.NotifyServiceStub(channels["notify"]),
            audit={name: audit_pb2_grpc.AuditServiceStub(ch) for name, ch in channels.items()},
            channels=tuple(channels.values()),
        )

    def close(self) -> None:
        """Closes every channel."""
        for channel in self.channels:
            channel.close()


def clients(request: Request) -> Clients:
    """Dependency: the application's stubs."""
    result: Clients = request.app.state.clients
    return result
