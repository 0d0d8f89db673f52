"""The portal's cookies: every one Secure and HttpOnly, `__Host-` (so only this origin sets
it), and never readable by a script. The session cookie holds the API's session token; the
journey cookie holds the step tickets of an activation, a registration or a reset, for as
long as the journey lasts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

SESSION = "__Host-vestibule-session"
CSRF = "__Host-vestibule-csrf"
DEVICE = "__Host-vestibule-device"
LANGUAGE = "__Host-vestibule-lang"
JOURNEY = "__Host-vestibule-journey"
# Whose record a proxy is in (web/acting.py).
ACTING = "__Host-vestibule-acting"
JOURNEY_SECONDS = 30 * 60
DEVICE_SECONDS = 30 * 24 * 3600
LANGUAGE_SECONDS = 365 * 24 * 3600


def put(
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    same_site: Literal["lax", "strict"] = "lax",
) -> None:
    """Sets the cookie for the whole origin; `max_age` None makes it end with the browser."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite=same_site
    )


def drop(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True)


def journey(request: Request) -> dict[str, str]:
    """What the journey in progress keeps (tickets, challenge), or nothing."""
    try:
        kept = json.loads(base64.urlsafe_b64decode(request.cookies.get(JOURNEY, "") or "e30="))
    except (ValueError, binascii.Error):
        return {}
    return {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {}


def keep_journey(response: Response, values: Mapping[str, str]) -> None:
    """Keeps the journey's values for the next step (30 minutes, this origin only)."""
    encoded = base64.urlsafe_b64encode(json.dumps(dict(values)).encode()).decode()
    put(response, JOURNEY, encoded, max_age=JOURNEY_SECONDS, same_site="strict")
