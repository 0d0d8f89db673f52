"""A login's own sessions, one per device (I10): listed, ended one by one or all but this one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.crypto import token_hash
from services.common.db import utcnow
from services.identity import sessions
from services.identity.audit import trail
from services.identity.domain import PrincipalKind
from services.identity.errors import SessionEnded, SessionNotFound
from services.identity.models import AuthSession


def _caller(session: Session, token: str, idle_timeout: timedelta) -> AuthSession:
    opened = sessions.live_session(session, token, idle_timeout)
    if opened is None:
        raise SessionEnded()
    return opened


def list_sessions(
    session: Session, *, token: str, idle_timeout: timedelta
) -> tuple[AuthSession, Sequence[AuthSession]]:
    """The caller's session and every open session of the same login, newest first."""
    caller = _caller(session, token, idle_timeout)
    now = utcnow()
    rows = session.scalars(
        select(AuthSession)
        .where(
            AuthSession.kind == caller.kind,
            AuthSession.principal_id == caller.principal_id,
            AuthSession.ended_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.created_at.desc())
    ).all()
    live = [row for row in rows if (row.last_seen_at or row.created_at) + idle_timeout > now]
    return caller, live


def end_session(session: Session, *, token: str, session_id: str, idle_timeout: timedelta) -> None:
    """Ends one open session of the caller's login; another login's answers NOT_FOUND."""
    caller = _caller(session, token, idle_timeout)
    target = session.get(AuthSession, session_id, with_for_update=True)
    if (
        target is None
        or target.kind != caller.kind
        or target.principal_id != caller.principal_id
        or target.ended_at is not None
    ):
        raise SessionNotFound()
    target.ended_at = utcnow()
    trail.record(
        session,
        "session.end",
        f"{PrincipalKind(caller.kind).value}:{caller.principal_id}",
        practice_id=caller.practice_id or "",
        details={"session": target.id},
    )
    session.flush()


def end_other_sessions(session: Session, *, token: str, idle_timeout: timedelta) -> int:
    """Ends every session of the caller's login but the caller's own; how many ended."""
    caller = _caller(session, token, idle_timeout)
    return sessions.end_all_for(
        session,
        kind=PrincipalKind(caller.kind),
        principal_id=caller.principal_id,
        except_token_hash=token_hash(token),
    )
