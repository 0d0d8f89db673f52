"""The one place where failures become RFC 9457 problem documents.

gRPC status codes map to HTTP in `HTTP_STATUS`. Our choices: INVALID_ARGUMENT is 422, like the
gateway's own validation errors, because the body was well-formed JSON that a rule rejected
(400 is kept for a body that is not JSON at all); FAILED_PRECONDITION is 409, because the request
is fine and the state of the record is what stands in the way (the `errors` list says what).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException

from gateway.schemas import FieldError, ProblemDocument
from services.common import context

log = logging.getLogger("vestibule.gateway")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://vestibule.dev/problems/"

HTTP_STATUS: Mapping[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}

_UNAVAILABLE = "A service we depend on is not answering. Try again in a minute."
_INTERNAL = (
    "Something went wrong on our side. Try again; if it keeps failing, give support the request ID."
)


@dataclass(eq=False)
class Problem(Exception):
    """A failure to answer as a problem document; raise it from a route or dependency."""

    status: int
    code: str
    detail: str
    errors: Sequence[FieldError] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        """The problem as an `application/problem+json` response."""
        headers = dict(self.headers)
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="vestibule"')
        document = ProblemDocument(
            type=TYPE_BASE + self.code.lower().replace("_", "-"),
            title=self.code.replace("_", " ").capitalize(),
            status=self.status,
            detail=self.detail,
            code=self.code,
            errors=list(self.errors),
            metadata=dict(self.metadata) or None,
            request_id=context.current().request_id,
        )
        return JSONResponse(
            document.model_dump(exclude_none=True),
            status_code=self.status,
            headers=headers,
            media_type=MEDIA_TYPE,
        )


def internal_error() -> Problem:
    """The problem for a failure we did not expect: no internals, only the request ID."""
    return Problem(500, "INTERNAL", _INTERNAL)


def from_rpc_error(error: grpc.RpcError) -> Problem:
    """The problem for a failed gRPC call, from its code and google.rpc details."""
    code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
    status = HTTP_STATUS.get(code, 500)
    if status == 503:
        return Problem(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if status == 500:
        return internal_error()
    reason, metadata, errors, headers = code.name, {}, [], {}
    rich = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in rich.details if rich else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason or reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            errors += [
                FieldError(field=v.field, detail=v.description)
                for v in bad_request.field_violations
            ]
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            errors += [
                FieldError(field=v.subject, detail=v.description) for v in failure.violations
            ]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            seconds = math.ceil(retry.retry_delay.ToTimedelta().total_seconds())
            headers["Retry-After"] = str(max(1, seconds))
    message = error.details() or HTTPStatus(status).phrase  # type: ignore[attr-defined]
    return Problem(status, reason, message, errors, metadata, headers)


def from_validation_error(error: RequestValidationError) -> Problem:
    """The problem for a request FastAPI could not parse or validate: 400 when the body is not
    JSON, else 422 with one entry per field. Submitted values are never echoed."""
    if any(item["type"] == "json_invalid" for item in error.errors()):
        return Problem(400, "MALFORMED_BODY", "The request body is not valid JSON.")
    errors = [
        # loc is ("body", "zip_code") or ("header", "Idempotency-Key"); ("body",) for no body.
        FieldError(
            field=".".join(str(p) for p in item["loc"][1:]) or item["loc"][0], detail=item["msg"]
        )
        for item in error.errors()
    ]
    return Problem(422, "INVALID_ARGUMENT", "Some fields are missing or not valid.", errors)


def from_http_exception(error: HTTPException) -> Problem:
    """The problem for Starlette's own HTTP errors (unknown route, method not allowed)."""
    status = HTTPStatus(error.status_code)
    return Problem(status.value, status.name, status.phrase, headers=error.headers or {})


def openapi_media_types(document: dict[str, Any]) -> dict[str, Any]:
    """Files every documented error response under application/problem+json, the media type
    it is sent with (FastAPI would say application/json)."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return document


def install(app: FastAPI) -> None:
    """Makes every failure of `app` answer as a problem document, and documents it so."""

    async def problem(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Problem)
        return error.response()

    async def rpc_failed(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, grpc.RpcError)
        answer = from_rpc_error(error)
        if answer.status >= 500:
            log.warning("upstream failure", extra={"code": error.code().name})  # type: ignore[attr-defined]
        return answer.response()

    async def invalid(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return from_validation_error(error).response()

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return from_http_exception(error).response()

    app.add_exception_handler(Problem, problem)
    app.add_exception_handler(grpc.RpcError, rpc_failed)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_media_types(
                get_openapi(
                    title=app.title, version=app.version, summary=app.summary, routes=app.routes
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
