"""The failed tries of the knowledge-based resets (I8 b, d), counted in the database so they
hold across replicas: one row per account (or decoy name) and way."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import insert_if_absent
from services.identity.models import QuestionResetAttempts


def is_closed(session: Session, state_key: str) -> bool:
    """Whether too many failed tries closed the way for this key."""
    state = session.get(QuestionResetAttempts, state_key)
    return state is not None and state.closed_at is not None


def locked(session: Session, state_key: str) -> QuestionResetAttempts:
    """The key's tries, created when absent and locked until the transaction ends, so
    concurrent tries are counted one after the other."""
    insert_if_absent(session, QuestionResetAttempts, state_key=state_key, failed={})
    state = session.scalar(
        select(QuestionResetAttempts)
        .where(QuestionResetAttempts.state_key == state_key)
        .with_for_update()
    )
    assert state is not None
    return state
