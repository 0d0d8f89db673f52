"""Whose record a proxy is in (P5): once a guardian or representative opens a record shared
with them, every page names that person and the relationship, with a way back to their own.
The cookie only remembers what to show: the API checks the rights on every call. It belongs
to the session that chose it, so another sign-in on the browser never inherits it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass

from starlette.requests import Request
from starlette.responses import Response

from web import cookies

KINDS = ("guardian", "representative")
_UNCHANGED = object()


@dataclass(frozen=True)
class Acting:
    """The record acted for: its ID, the patient's first name, and how the account stands to
    them ("guardian" or "representative")."""

    patient_id: str
    first_name: str
    kind: str


def _owner(session_token: str) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()[:32]


def switch(request: Request, acting: Acting | None) -> None:
    """From this page on, acts for `acting` (None: the account's own); the page shows it at
    once, and `keep` or `stop` on its response remembers it."""
    request.state.acting = acting


def shown(request: Request) -> Acting | None:
    """The record this browser's session acts for, or None (its own, or none chosen)."""
    chosen = getattr(request.state, "acting", _UNCHANGED)
    if chosen is not _UNCHANGED:
        return chosen  # type: ignore[no-any-return]
    session_token = request.cookies.get(cookies.SESSION, "")
    raw = request.cookies.get(cookies.ACTING, "")
    if not session_token or not raw:
        return None
    try:
        kept = json.loads(base64.urlsafe_b64decode(raw))
        acting = Acting(str(kept["patient_id"]), str(kept["first_name"]), str(kept["kind"]))
        owner = str(kept["owner"])
    except (ValueError, binascii.Error, KeyError, TypeError):
        return None
    if owner != _owner(session_token) or acting.kind not in KINDS:
        return None
    return acting


def keep(response: Response, session_token: str, acting: Acting) -> None:
    """Remembers, for this session, the record it now acts for."""
    value = {**asdict(acting), "owner": _owner(session_token)}
    encoded = base64.urlsafe_b64encode(json.dumps(value).encode()).decode()
    cookies.put(response, cookies.ACTING, encoded)


def stop(response: Response) -> None:
    """Back to the account's own: no banner any more."""
    cookies.drop(response, cookies.ACTING)
