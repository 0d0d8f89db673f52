"""Channels to other services: every call carries a deadline and the request context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import grpc

from services.common import context


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class _ContextAndDeadline(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, default_timeout: float) -> None:
        self._default_timeout = default_timeout

    def intercept_unary_unary(
        self,
        continuation: Callable[[Any, Any], Any],
        client_call_details: grpc.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = list(client_call_details.metadata or [])
        present = {key for key, _ in metadata}
        metadata += [pair for pair in context.current().metadata() if pair[0] not in present]
        details = _CallDetails(
            method=client_call_details.method,
            timeout=client_call_details.timeout or self._default_timeout,
            metadata=metadata,
            credentials=client_call_details.credentials,
            wait_for_ready=getattr(client_call_details, "wait_for_ready", None),
            compression=getattr(client_call_details, "compression", None),
        )
        return continuation(details, request)


def connect(address: str, *, default_timeout: float) -> grpc.Channel:
    """A channel to `address` whose calls carry the current request context and a deadline."""
    channel = grpc.insecure_channel(address, options=[("grpc.lb_policy_name", "round_robin")])
    return grpc.intercept_channel(channel, _ContextAndDeadline(default_timeout))
