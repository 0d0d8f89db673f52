"""The gateway's public /v1 API as the pages call it: JSON in and out, a problem document
turned into `ApiProblem`. Every call carries the browser's address and User-Agent, so rate
limits, audit records and the sessions list see the person, not the pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request

# How the pages reach the API: for a browser's request, the transport to use (in the same
# process, an ASGI transport to the gateway's app; see gateway/portal.py).
TransportFor = Callable[[Request], httpx.AsyncBaseTransport]
API_BASE_URL = "https://portal.internal/v1"


@dataclass(frozen=True)
class ApiProblem(Exception):
    """The API refused: its status, `code`, plain-words `detail`, the fields at fault (field
    name to what is wrong) and `metadata` (e.g. practice_name, attempts_left)."""

    status: int
    code: str
    detail: str
    errors: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    retry_after: int | None = None


@dataclass(frozen=True)
class Answer:
    """A successful answer: status, JSON body (None when empty) and the cookies it set."""

    status: int
    body: Any
    cookies: Mapping[str, str] = field(default_factory=dict)


class Api:
    """Calls the API for one browser request."""

    def __init__(self, transport_for: TransportFor) -> None:
        self._transport_for = transport_for

    async def call(
        self,
        request: Request,
        method: str,
        path: str,
        *,
        json: Any = None,
        session: str = "",
        cookies: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """The answer of `method path` (path below /v1); ApiProblem when the API refuses.
        `session` is the signed-in person's session token, sent as a bearer token; `headers`
        adds others (an Idempotency-Key)."""
        headers = {
            **(headers or {}),
            "user-agent": request.headers.get("user-agent", "unknown browser"),
        }
        if session:
            headers["authorization"] = f"Bearer {session}"
        async with httpx.AsyncClient(
            transport=self._transport_for(request),
            base_url=API_BASE_URL,
            cookies=dict(cookies or {}),
            timeout=15,
        ) as client:
            answer = await client.request(method, path, json=json, headers=headers, params=params)
        if answer.status_code >= 400:
            raise _problem(answer)
        body = answer.json() if answer.content else None
        return Answer(answer.status_code, body, dict(answer.cookies))


def _problem(answer: httpx.Response) -> ApiProblem:
    try:
        document = answer.json()
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    retry_after = answer.headers.get("retry-after", "")
    return ApiProblem(
        status=answer.status_code,
        code=str(document.get("code") or "ERROR"),
        detail=str(document.get("detail") or ""),
        errors={
            str(item.get("field", "")): str(item.get("detail", ""))
            for item in document.get("errors") or []
            if isinstance(item, dict)
        },
        metadata={str(k): str(v) for k, v in (document.get("metadata") or {}).items()},
        retry_after=int(retry_after) if retry_after.isdigit() else None,
    )
