"""Pending accounts that can no longer be activated (E9, I1): each pending account may be
activated until the time its caller gave (its invitation's or registration's end), or until
the caller ends it sooner (its invitation was replaced). After that it holds no username: it is
deleted when someone registers that username, or when a new registration of the same person
replaces it, and by a sweep a while later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common.db import Database, utcnow
from services.identity import repository
from services.identity.audit import trail
from services.identity.domain import AccountState
from services.identity.models import Account, Base

# A pending account whose caller gave no end may be activated this long (E10's default
# invitation lifetime).
DEFAULT_LIFETIME = timedelta(days=30)
# A pending account past its end is kept this long before the sweep deletes it, so that a
# person signing in meanwhile is told what to do (ActivationExpired) rather than that the
# password is wrong; its username is free all the while.
KEEP_AFTER_END = timedelta(days=7)
SWEEP_BATCH = 200


def end_of(pending_until: datetime | None) -> datetime:
    """Until when a new pending account may be activated: the caller's time, or the default."""
    return pending_until or utcnow() + DEFAULT_LIFETIME


def ended(account: Account) -> bool:
    """Whether the account is pending and can no longer be activated."""
    return (
        account.state == AccountState.PENDING
        and account.pending_until is not None
        and account.pending_until <= utcnow()
    )


def make_room(
    session: Session, *, username_key: str, replaced: Sequence[str], practice_id: str
) -> None:
    """Before a registration: deletes the pending accounts it replaces (the same person's, of
    the same practice), and the pending account that holds the username past its end."""
    # Each is locked before it is judged: one being activated right now is not deleted.
    for account_id in sorted(replaced):
        account = repository.account(session, account_id, for_update=True)
        if (
            account is not None
            and account.state == AccountState.PENDING
            and account.practice_id == practice_id
        ):
            _delete(session, account, "replaced")
    holder = session.scalar(
        select(Account).where(Account.username_key == username_key).with_for_update()
    )
    if holder is not None and ended(holder):
        _delete(session, holder, "ended")


def end(session: Session, *, account_ids: Sequence[str], practice_id: str) -> None:
    """Ends now the pending accounts named, of the practice, whose activation the caller says
    can no longer be finished (their invitation was replaced, declined or used)."""
    now = utcnow()
    for account in session.scalars(
        select(Account).where(Account.id.in_(account_ids)).order_by(Account.id).with_for_update()
    ):
        if (
            account.state == AccountState.PENDING
            and account.practice_id == practice_id
            and not ended(account)
        ):
            account.pending_until = now
            trail.record(
                session, "account.pending.end", f"account:{account.id}", practice_id=practice_id
            )


def sweep(database: Database) -> int:
    """Deletes a batch of pending accounts a while past their end; returns how many, so a
    worker runs it again at once while there are more."""
    with database.transaction() as session:
        accounts = session.scalars(
            select(Account)
            .where(
                Account.state == AccountState.PENDING,
                Account.pending_until < utcnow() - KEEP_AFTER_END,
            )
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for account in accounts:
            _delete(session, account, "ended")
    return len(accounts)


def _delete(session: Session, account: Account, why: str) -> None:
    """Deletes a pending account (locked by the caller) with the rows that refer to it (its
    codes), audited."""
    for table in reversed(Base.metadata.sorted_tables):
        for key in table.foreign_keys:
            if key.column.table.name == Account.__tablename__:
                session.execute(delete(table).where(key.parent == account.id))
    session.execute(
        delete(Account).where(Account.id == account.id, Account.state == AccountState.PENDING)
    )
    trail.record(
        session,
        "account.pending.delete",
        f"account:{account.id}",
        practice_id=account.practice_id,
        details={"why": why},
    )
