"""The one place where domain errors become gRPC status codes, and every call is logged and
measured."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import trace

from services.common import context, errors
from services.common.metrics import RPC_DURATION

log = logging.getLogger("vestibule.rpc")

ERROR_DOMAIN = "vestibule"

STATUS_CODES: dict[type[errors.DomainError], int] = {
    errors.InvalidArgument: code_pb2.INVALID_ARGUMENT,
    errors.NotFound: code_pb2.NOT_FOUND,
    errors.AlreadyExists: code_pb2.ALREADY_EXISTS,
    errors.FailedPrecondition: code_pb2.FAILED_PRECONDITION,
    errors.ResourceExhausted: code_pb2.RESOURCE_EXHAUSTED,
    errors.PermissionDenied: code_pb2.PERMISSION_DENIED,
    errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
    errors.Unavailable: code_pb2.UNAVAILABLE,
}


def _packed(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_for(error: errors.DomainError) -> status_pb2.Status:
    """The google.rpc.Status with rich details (ErrorInfo, BadRequest or PreconditionFailure,
    RetryInfo) for a domain error."""
    code = next(c for kind, c in STATUS_CODES.items() if isinstance(error, kind))
    details = [
        _packed(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata
            )
        )
    ]
    if error.violations and isinstance(error, errors.FailedPrecondition):
        details.append(
            _packed(
                error_details_pb2.PreconditionFailure(
                    violations=[
                        error_details_pb2.PreconditionFailure.Violation(
                            type=error.reason, subject=v.field, description=v.description
                        )
                        for v in error.violations
                    ]
                )
            )
        )
    elif error.violations:
        details.append(
            _packed(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in error.violations
                    ]
                )
            )
        )
    if isinstance(error, errors.ResourceExhausted) and error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromTimedelta(error.retry_after)
        details.append(_packed(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(code=code, message=error.message, details=details)


class ServiceInterceptor(grpc.ServerInterceptor):
    """Binds the request context, maps domain errors, hides unexpected ones, logs each call."""

    def __init__(self, service_name: str) -> None:
        self._service = service_name

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method
        rpc_service, _, rpc_method = method.strip("/").partition("/")
        behavior = handler.unary_unary

        def serve(request: Any, grpc_context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            outcome, status_code = "OK", code_pb2.OK
            request_context = context.RequestContext.from_metadata(
                grpc_context.invocation_metadata() or ()
            )
            with context.bound(request_context):
                try:
                    return behavior(request, grpc_context)
                except errors.DomainError as error:
                    status = status_for(error)
                    outcome, status_code = error.reason, status.code
                    grpc_context.abort_with_status(rpc_status.to_status(status))
                except Exception:
                    if (aborted := grpc_context.code()) is not None:  # aborted by the handler
                        outcome, status_code = aborted.name, aborted.value[0]
                        raise
                    outcome, status_code = "INTERNAL", code_pb2.INTERNAL
                    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
                    log.exception(
                        "unexpected error", extra={"rpc": method, "service": self._service}
                    )
                    grpc_context.abort(
                        grpc.StatusCode.INTERNAL,
                        f"Something went wrong on our side. Try again; if it keeps failing, "
                        f"give support this reference: {trace_id}",
                    )
                finally:
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    RPC_DURATION.record(
                        elapsed_ms,
                        {
                            "rpc.system": "grpc",
                            "rpc.service": rpc_service,
                            "rpc.method": rpc_method,
                            "rpc.grpc.status_code": status_code,
                        },
                    )
                    log.info(
                        "rpc",
                        extra={
                            "service": self._service,
                            "rpc": method,
                            "code": outcome,
                            "duration_ms": round(elapsed_ms, 2),
                        },
                    )

        return grpc.unary_unary_rpc_method_handler(
            serve,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
