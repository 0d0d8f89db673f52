"""What protects every page: security headers on every answer (a strict Content-Security-Policy
with no inline script or style, HSTS, no framing, no referrer), and a CSRF token on every form
(a random value in a cookie of this origin, repeated in the form and compared on POST)."""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import cookies

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # The authenticator app's QR code is an SVG data URI (segno).
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
CSRF_FIELD = "csrf_token"


class SecurityHeaders:
    """Adds HEADERS to every answer of the pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


class CsrfRefused(Exception):
    """A form was posted without this browser's token: from another site, or too late."""


def csrf_token(request: Request) -> str:
    """This browser's CSRF token, made on its first page (see `keep_csrf_token`)."""
    token = request.cookies.get(cookies.CSRF, "")
    if not token:
        token = request.state.__dict__.setdefault("new_csrf_token", secrets.token_urlsafe(32))
    return token


def keep_csrf_token(request: Request, response: Response) -> None:
    """Sets the token cookie when this page made the token."""
    if token := request.state.__dict__.get("new_csrf_token"):
        cookies.put(response, cookies.CSRF, token, same_site="strict")


async def check_csrf(request: Request) -> None:
    """Refuses a POST whose form lacks this browser's token, or that another site sent."""
    if request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        raise CsrfRefused()
    expected = request.cookies.get(cookies.CSRF, "")
    given = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused()
