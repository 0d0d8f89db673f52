"""Per request: bind the request context, answer unexpected failures, log one line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import internal_error
from services.common import context

log = logging.getLogger("vestibule.gateway")

# A caller's request ID is kept only when it cannot smuggle anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Binds a RequestContext (request ID from X-Request-ID or new, actor "anonymous" until a
    session is resolved, client address) for the whole request, echoes X-Request-ID, forbids
    caching, answers a 500 problem for any unexpected exception, and logs method, route
    template, status, duration and request ID: no query string, no body, no header values."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        client = scope.get("client")
        request_context = context.RequestContext(
            request_id=_request_id(scope),
            actor="anonymous",
            client_address=client[0] if client else "",
        )
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_context.request_id
                headers["Cache-Control"] = "no-store"
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        with context.bound(request_context):
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception as error:
                log.error("unexpected error", extra={"reason": type(error).__name__})
                if response_started:
                    raise
                await internal_error().response()(scope, receive, send_with_headers)
            finally:
                route = scope.get("route")
                log.info(
                    "request",
                    extra={
                        "route": f"{scope['method']} {route.path if route else '(unmatched)'}",
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
