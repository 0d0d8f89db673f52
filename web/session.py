"""The signed-in person's calls to the API: with the session from its cookie; a session that
ended sends the person to sign in again, and an action the account must take first (I3: the
security questions, or verifying an account email) to the page for it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from web import cookies
from web.api import Answer, Api, ApiProblem

# The page for each action the API says an account must take first.
REQUIRED_ACTION_PAGES = {
    "set_security_questions": "/account/security-questions/first",
    "verify_account_email": "/account/email/first",
}


class SignInNeeded(Exception):
    """No session, or it ended: the person signs in again (and comes back to `next`)."""

    def __init__(self, next_path: str = "") -> None:
        super().__init__(next_path)
        self.next_path = next_path


class ActionRequired(Exception):
    """The account must take an action first; `page` is where it does."""

    def __init__(self, page: str) -> None:
        super().__init__(page)
        self.page = page


def session_of(request: Request) -> str:
    """The session token; SignInNeeded without one."""
    token = request.cookies.get(cookies.SESSION, "")
    if not token:
        raise SignInNeeded(request.url.path)
    return token


async def call(request: Request, method: str, path: str, **arguments: Any) -> Answer:
    """`Api.call` as the signed-in person. SignInNeeded when the session ended, ActionRequired
    when the account must first answer its security questions or verify an email."""
    api: Api = request.app.state.api
    try:
        return await api.call(request, method, path, session=session_of(request), **arguments)
    except ApiProblem as problem:
        if problem.status == 401:
            raise SignInNeeded(request.url.path) from None
        action = problem.metadata.get("required_action", "")
        if problem.status == 403 and action in REQUIRED_ACTION_PAGES:
            raise ActionRequired(REQUIRED_ACTION_PAGES[action]) from None
        raise
