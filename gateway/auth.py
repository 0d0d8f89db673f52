"""Who is calling: sessions from a bearer token or cookie, resolved by identity on every call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from vestibule.identity.v1 import identity_pb2

from gateway.clients import Clients, clients
from gateway.permissions import required_permission
from gateway.problems import Problem
from services.common import context

PATIENT_COOKIE = "vestibule_session"
# A remembered device's token (I4), kept 30 days; sent only to the patient routes.
DEVICE_COOKIE = "vestibule_device"
STAFF_COOKIE = "vestibule_staff_session"
PATIENT_PATH = "/v1/patient"
STAFF_PATH = "/v1/practice"

_bearer = HTTPBearer(
    scheme_name="SessionToken",
    description="The session token from a sign-in route.",
    auto_error=False,
)
_patient_cookie = APIKeyCookie(
    name=PATIENT_COOKIE, scheme_name="PatientSessionCookie", auto_error=False
)
_staff_cookie = APIKeyCookie(name=STAFF_COOKIE, scheme_name="StaffSessionCookie", auto_error=False)


# What an account with a pending required action may still do (I3): answer it, sign out, and
# see who it is; every other patient route answers 403 until the action is done.
ALLOWED_WHILE_REQUIRED = frozenset(
    {
        ("PUT", f"{PATIENT_PATH}/account/security-questions"),
        ("POST", f"{PATIENT_PATH}/account/email-change"),
        ("POST", f"{PATIENT_PATH}/account/email-change/confirm"),
        ("DELETE", f"{PATIENT_PATH}/sessions/current"),
        ("GET", f"{PATIENT_PATH}/me"),
    }
)
_REQUIRED_ACTION_PROBLEMS = {
    "verify_account_email": (
        "ACCOUNT_EMAIL_REQUIRED",
        "Verify an account email before you continue: send it with your password to "
        f"POST {PATIENT_PATH}/account/email-change, then the code we email you to "
        f"POST {PATIENT_PATH}/account/email-change/confirm. Then answer five security questions.",
    ),
    "set_security_questions": (
        "SECURITY_QUESTIONS_REQUIRED",
        "Choose five security questions and answer them before you continue: get the list from "
        f"GET {PATIENT_PATH}/security-questions, then send your answers and your password to "
        f"PUT {PATIENT_PATH}/account/security-questions.",
    ),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in account or staff member of this request."""

    principal_id: str
    session_token: str
    practice_id: str = ""
    permissions: frozenset[str] = frozenset()
    required_actions: tuple[str, ...] = ()


def _token(credentials: HTTPAuthorizationCredentials | None, cookie: str | None) -> str:
    token = credentials.credentials if credentials else cookie
    if not token:
        raise Problem(401, "UNAUTHENTICATED", "Sign in to continue.")
    return token


async def _resolve(
    services: Clients, token: str, kind: identity_pb2.PrincipalKind.ValueType
) -> Principal:
    answer: identity_pb2.ResolveSessionResponse = await run_in_threadpool(
        services.identity.ResolveSession, identity_pb2.ResolveSessionRequest(session_token=token)
    )
    if answer.kind != kind:
        raise Problem(401, "UNAUTHENTICATED", "Sign in with the right kind of account.")
    return Principal(
        principal_id=answer.principal_id,
        session_token=token,
        practice_id=answer.practice_id,
        permissions=frozenset(answer.permissions),
        required_actions=tuple(answer.required_actions),
    )


def _refuse_while_required(request: Request, principal: Principal) -> None:
    """403 naming the first pending required action, unless the route is allowed meanwhile."""
    if not principal.required_actions:
        return
    if (request.method, request.scope["route"].path) in ALLOWED_WHILE_REQUIRED:
        return
    action = principal.required_actions[0]
    code, detail = _REQUIRED_ACTION_PROBLEMS.get(
        action, ("ACTION_REQUIRED", f"Complete the step {action} before you continue.")
    )
    raise Problem(403, code, detail, metadata={"required_action": action})


async def signed_in_account(
    request: Request,
    services: Annotated[Clients, Depends(clients)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_patient_cookie)],
) -> AsyncIterator[Principal]:
    """Dependency of patient routes: the account of the session, else 401; while the account
    has a required action pending (I3), only `ALLOWED_WHILE_REQUIRED` routes, else 403. Calls
    made while the route runs carry the actor "account:<id>"."""
    principal = await _resolve(
        services, _token(credentials, cookie), identity_pb2.PRINCIPAL_KIND_ACCOUNT
    )
    _refuse_while_required(request, principal)
    with context.bound(replace(context.current(), actor=f"account:{principal.principal_id}")):
        yield principal


async def signed_in_staff(
    request: Request,
    services: Annotated[Clients, Depends(clients)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_staff_cookie)],
) -> AsyncIterator[Principal]:
    """Dependency of practice routes: the staff member of the session (else 401) holding the
    permission the route needs in `permissions.PRACTICE_ROUTES` (else 403). Calls made while
    the route runs carry the actor "staff:<id>"; the practice is always the staff member's."""
    principal = await _resolve(
        services, _token(credentials, cookie), identity_pb2.PRINCIPAL_KIND_STAFF
    )
    needed = required_permission(request.method, request.scope["route"].path)
    if needed is not None and needed not in principal.permissions:
        raise Problem(
            403, "PERMISSION_DENIED", f"Your account does not have the {needed} permission."
        )
    with context.bound(replace(context.current(), actor=f"staff:{principal.principal_id}")):
        yield principal


def set_session_cookie(
    response: Response, *, name: str, path: str, token: str, expires_at: datetime | None
) -> None:
    """Sets a session (or remembered device) cookie: HttpOnly, Secure, SameSite=Strict, scoped
    to its route group."""
    response.set_cookie(
        name, token, expires=expires_at, path=path, secure=True, httponly=True, samesite="strict"
    )


def clear_session_cookie(response: Response, *, name: str, path: str) -> None:
    """Removes the session cookie set by `set_session_cookie`."""
    response.delete_cookie(name, path=path, secure=True, httponly=True, samesite="strict")
