"""Channels to other services: every call carries a deadline and the request context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.common import context, errors
from services.common.settings import Settings
from services.common.tls import MutualTls

# gRPC's default lets the wait between reconnection attempts grow to two minutes: a service
# back after an outage would stay unreachable (every call failing at once) for up to that long.
MAX_RECONNECT_BACKOFF_MS = 2000


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


def connect(address: str, *, default_timeout: float, tls: MutualTls | None = None) -> grpc.Channel:
    """A channel to `address` whose calls carry the current request context and a deadline,
    over mutual TLS when `tls` is given.

    Round robin spreads calls over every address the name resolves to (a headless Service's
    pods); servers close old connections, so the name is resolved again as replicas change.
    While a service is down the channel tries to reconnect at least every
    MAX_RECONNECT_BACKOFF_MS, so calls go through again within seconds of its return (N5).
    """
    options = [
        ("grpc.lb_policy_name", "round_robin"),
        ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
    ]
    if tls is None:
        channel = grpc.insecure_channel(address, options=options)
    else:
        channel = grpc.secure_channel(address, tls.channel_credentials(), options=options)
    return grpc.intercept_channel(channel, _ContextAndDeadline(default_timeout))


def channel_to(shared: Settings, service: str) -> grpc.Channel:
    """A channel to another service, by name, as the shared settings configure it."""
    return connect(
        shared.address_of(service),
        default_timeout=shared.rpc_timeout_seconds,
        tls=shared.mutual_tls(),
    )


_KINDS: dict[grpc.StatusCode, type[errors.DomainError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
}


def domain_error_from_rpc(error: grpc.RpcError) -> errors.DomainError:
    """Turns another service's failure into the same domain error, details and all, so it
    passes through this service unchanged. Anything unexpected becomes Unavailable."""
    code = error.code()  # type: ignore[attr-defined]
    kind = _KINDS.get(code)
    if kind is None:
        return errors.Unavailable("A service we depend on is not answering. Try again in a minute.")
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    reason, metadata, violations = kind.reason, {}, []
    retry_after = None
    for detail in status.details if status else ():
        for message_type, read in (
            (error_details_pb2.ErrorInfo, None),
            (error_details_pb2.BadRequest, "field_violations"),
            (error_details_pb2.PreconditionFailure, "violations"),
            (error_details_pb2.RetryInfo, None),
        ):
            if not detail.Is(message_type.DESCRIPTOR):
                continue
            unpacked = message_type()
            detail.Unpack(unpacked)
            if isinstance(unpacked, error_details_pb2.ErrorInfo):
                reason, metadata = unpacked.reason, dict(unpacked.metadata)
            elif isinstance(unpacked, error_details_pb2.RetryInfo):
                retry_after = unpacked.retry_delay.ToTimedelta()
            else:
                violations += [
                    errors.FieldViolation(
                        getattr(v, "field", "") or getattr(v, "subject", ""), v.description
                    )
                    for v in getattr(unpacked, read)  # type: ignore[arg-type]
                ]
    message = error.details() or ""  # type: ignore[attr-defined]
    if kind is errors.ResourceExhausted:
        relayed = errors.ResourceExhausted(
            message, retry_after=retry_after, violations=violations, metadata=metadata
        )
    else:
        relayed = kind(message, violations=violations, metadata=metadata)
    relayed.reason = reason  # the original service's reason, e.g. USERNAME_TAKEN
    return relayed
