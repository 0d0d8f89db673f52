"""The gRPC stubs of the services the gateway calls, one channel each."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from fastapi import Request
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2_grpc

from services.common.clients import connect
from services.common.settings import Settings


@dataclass(frozen=True)
class Clients:
    """Stubs whose calls carry the request context and a deadline (services.common.clients)."""

    identity: identity_pb2_grpc.IdentityServiceStub
    enrollment: enrollment_pb2_grpc.EnrollmentServiceStub
    proxy: proxy_pb2_grpc.ProxyServiceStub
    channels: tuple[grpc.Channel, ...]

    @classmethod
    def connect(cls, shared: Settings) -> Clients:
        """Opens a channel to each service named in the shared settings."""
        identity, enrollment, proxy = (
            connect(shared.address_of(name), default_timeout=shared.rpc_timeout_seconds)
            for name in ("identity", "enrollment", "proxy")
        )
        return cls(
            identity=identity_pb2_grpc.IdentityServiceStub(identity),
            enrollment=enrollment_pb2_grpc.EnrollmentServiceStub(enrollment),
            proxy=proxy_pb2_grpc.ProxyServiceStub(proxy),
            channels=(identity, enrollment, proxy),
        )

    def close(self) -> None:
        """Closes every channel."""
        for channel in self.channels:
            channel.close()


def clients(request: Request) -> Clients:
    """Dependency: the application's stubs."""
    result: Clients = request.app.state.clients
    return result
