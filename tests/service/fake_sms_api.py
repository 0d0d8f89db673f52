"""A fake Twilio-compatible Messages API on a free loopback port, for tests: it keeps every
request and answers 201, or what a test scripted (an outage, a rate limit, a refused number,
the whole API down)."""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-s3cret"
SENDER = "+14155550199"
# The provider's own error codes for the statuses a test scripts.
ERROR_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass(frozen=True)
class Received:
    """One request the fake got, and the status it answered."""

    method: str
    path: str
    content_type: str
    credentials: tuple[str, str] | None
    form: dict[str, str]
    status: int


class FakeSmsApi:
    """Start it, point notify at it with `notify_settings()`, then read `requests()`."""

    def __init__(self) -> None:
        self.account_sid = ACCOUNT_SID
        self.auth_token = AUTH_TOKEN
        self.sender = SENDER
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._next_statuses: deque[int] = deque()
        self._refused: dict[str, int] = {}
        self._down = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def notify_settings(self) -> dict[str, Any]:
        """NotifySettings values that send SMS through this fake, with the credentials it
        expects."""
        return {
            "sms_provider": "twilio",
            "sms_api_base_url": self.base_url,
            "sms_account_sid": ACCOUNT_SID,
            "sms_auth_token": AUTH_TOKEN,
            "sms_from": SENDER,
        }

    def start(self) -> FakeSmsApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_next(self, *statuses: int) -> None:
        """The next requests, whatever they hold, get these statuses, in order."""
        with self._lock:
            self._next_statuses.extend(statuses)

    def go_down(self, down: bool = True) -> None:
        """While down, every request gets 503 (the provider's outage); `go_down(False)` ends it."""
        with self._lock:
            self._down = down

    def refuse(self, number: str, code: int) -> None:
        """Every text to `number` gets 400 with this error code, whose message quotes the
        number (as the real provider's does)."""
        with self._lock:
            self._refused[number] = code

    def requests(self) -> list[Received]:
        """Every request so far, oldest first."""
        with self._lock:
            return list(self._received)

    def accepted(self) -> list[Received]:
        """The requests answered 201: the texts the provider took."""
        return [request for request in self.requests() if request.status == 201]

    def answer(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """Records the request and decides the answer."""
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        credentials = _basic(headers.get("Authorization", ""))
        to = form.get("To", "")
        with self._lock:
            if self._down:
                status = 503
            elif path != self.path:
                status = 404
            elif credentials != (ACCOUNT_SID, AUTH_TOKEN):
                status = 401
            elif self._next_statuses:
                status = self._next_statuses.popleft()
            elif to in self._refused:
                status = 400
            else:
                status = 201
            content_type = headers.get("Content-Type", "")
            self._received.append(Received(method, path, content_type, credentials, form, status))
            if status == 201:
                sid = f"SM{len(self._received):032x}"
                return status, {"sid": sid, "status": "queued", "to": to, "body": form.get("Body")}
            if status == 400:
                code = self._refused.get(to, 21211)
                return status, {"code": code, "message": f"{to} cannot take it", "status": 400}
            return status, {"code": ERROR_CODES.get(status, 20001), "message": "Error"}


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    user, _, password = base64.b64decode(value).decode().partition(":")
    return user, password


def _handler(api: FakeSmsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, payload = api.answer("POST", self.path, self.headers, body)
            encoded = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the default writes every request line to standard error."""

    return Handler
