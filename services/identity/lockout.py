"""Lockout (I11, X3): wrong passwords and codes slow down, then lock, counted per key.

Failures count against a key, not a row:
- an account or staff member (`account:<id>`, `staff:<id>`);
- a remembered device of an account (`device:<id>`): a password tried there counts there, so
  an attacker elsewhere who keeps the account locked cannot keep its owner out of a device
  they chose to remember;
- a login that does not exist (`login:<keyed hash>`): an unknown username slows down and locks
  exactly as a known one does, so no answer tells which exists (X3), and the name typed is
  never stored.

A pause is checked before the password is hashed, and again under the row lock when the
answer is counted, so parallel guesses cannot overrun it. A success clears its own key only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import Database, insert_if_absent, utcnow
from services.common.metrics import SIGN_IN_FAILURES, SIGN_IN_LOCKS
from services.common.outbox import Outbox
from services.identity import notices
from services.identity.audit import trail
from services.identity.domain import LockoutRule, Pause, PrincipalKind
from services.identity.errors import SignInPaused
from services.identity.models import Account, SignInThrottle, StaffMember

# Stale rows are swept in batches of this many.
SWEEP_BATCH = 500
_MINUTE = timedelta(minutes=1)


def _raise_if_paused(row: SignInThrottle | None, now: datetime) -> None:
    if row is not None and row.paused_until is not None and row.paused_until > now:
        raise SignInPaused(row.paused_until - now)


def principal_key(kind: PrincipalKind, principal_id: str) -> str:
    """The key of an account's or staff member's own failures."""
    return f"{PrincipalKind(kind).value}:{principal_id}"


def device_key(device_id: str) -> str:
    """The key of the failures made on one remembered device."""
    return f"device:{device_id}"


class Lockout:
    """Counts failures by key with the rule; queues the notice when an account locks."""

    def __init__(self, rule: LockoutRule, keyring: Keyring, outbox: Outbox) -> None:
        self.rule = rule
        self._keyring = keyring
        self._outbox = outbox

    def unknown_login_key(self, kind: PrincipalKind, login_key: str) -> str:
        """The key of a login that does not exist: a keyed hash, so the name is not kept."""
        return "login:" + self._keyring.code_hash("unknown login", f"{kind}:{login_key}")

    def check(self, session: Session, key: str, now: datetime) -> None:
        """SignInPaused (with the wait) while the key is slowed down or locked."""
        _raise_if_paused(session.get(SignInThrottle, key), now)

    def check_locked(self, session: Session, key: str, now: datetime) -> None:
        """As `check`, with the key's row locked, for a check made right before counting."""
        _raise_if_paused(
            session.scalar(
                select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
            ),
            now,
        )

    def fail(
        self,
        session: Session,
        key: str,
        now: datetime,
        *,
        principal: Account | StaffMember | None = None,
    ) -> Pause:
        """Counts one wrong password or code against the key. When it locks and `principal`
        is given, the lock is audited and an account's verified email gets a notice."""
        insert_if_absent(session, SignInThrottle, key=key, failed=0, last_failure_at=now)
        row = session.scalar(
            select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
        )
        assert row is not None
        pause = self.rule.after_failure(row.failed, row.last_failure_at, now)
        row.failed, row.paused_until, row.last_failure_at = pause.failed, pause.until, now
        kind = {StaffMember: "staff", Account: "account"}.get(type(principal), "unknown")
        SIGN_IN_FAILURES.add(1, {"principal": kind})
        if pause.locked:
            SIGN_IN_LOCKS.add(1, {"principal": kind})
        if pause.locked and principal is not None:
            self._locked(session, principal, key, now)
        return pause

    def _locked(
        self, session: Session, principal: Account | StaffMember, key: str, now: datetime
    ) -> None:
        kind = "staff" if isinstance(principal, StaffMember) else "account"
        trail.record(
            session,
            f"{kind}.locked",
            f"{kind}:{principal.id}",
            practice_id=principal.practice_id if kind == "staff" else "",
            details={"by": key.split(":", 1)[0], "minutes": str(self.rule.lock // _MINUTE)},
        )
        if isinstance(principal, Account) and key.startswith("account:"):
            notices.send_account_notice(
                session,
                outbox=self._outbox,
                idempotency_key=f"account-locked:{principal.id}:{now.isoformat()}",
                account_id=principal.id,
                kind=notices.NoticeKind.ACCOUNT_LOCKED,
                practice_id=principal.practice_id,
                practice_name="",
                lock_minutes=self.rule.lock // _MINUTE,
            )

    @staticmethod
    def clear(session: Session, key: str) -> None:
        """Forgets the key's failures, after a right answer made with it."""
        session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


def sweep(database: Database, rule: LockoutRule) -> int:
    """Deletes a batch of rows whose count was forgotten and whose pause ended; returns how
    many, so a worker runs it again at once while there are more."""
    now = utcnow()
    stale = now - max(rule.forget_after, rule.lock)
    with database.transaction() as session:
        keys = session.scalars(
            select(SignInThrottle.key)
            .where(SignInThrottle.last_failure_at < stale)
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if keys:
            session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))
    return len(keys)
