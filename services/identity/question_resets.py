"""Password reset with security questions (I8 b).

A username starts it: two of the account's five questions, chosen at random, are asked. Each
question allows three wrong answers in all (starting again gives no fresh tries); after that
this way is closed for the account until a reset link or a practice token is used. A username
that does not exist gets the same: two questions from a fixed decoy set derived from the name
(so asking again shows no more than an account's five), and answers that never match, counted
and closed alike (X3); so does an account whose practice turned this way off, or that must
first complete its validation after an account-information reset (I8 d). Answers are checked
with argon2 outside any transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import utcnow
from services.common.outbox import Outbox
from services.identity import (
    domain,
    knowledge_resets,
    repository,
    reset_attempts,
    usernames,
)
from services.identity.errors import (
    QuestionResetClosed,
    QuestionResetNotValid,
    WrongSecurityAnswers,
)
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout
from services.identity.models import Account, QuestionReset
from services.identity.password_resets import finish, require_second_factor

ASKED = 2
ATTEMPTS_PER_QUESTION = 3
LIFETIME = timedelta(minutes=10)
_RANDOM = secrets.SystemRandom()


@dataclass(frozen=True)
class Started:
    """The token (shown once) and the two questions, by ID."""

    token: str
    question_ids: list[str]


@dataclass(frozen=True)
class OnFile:
    """What checking the answers needs, read before argon2 runs."""

    account_id: str | None
    username: str
    practice_id: str
    asked: list[str]
    answer_hashes: dict[str, str] = field(default_factory=dict)


def _decoy_questions(keyring: Keyring, username_key: str) -> list[str]:
    """Five questions a name that is not an account always gets, as an account has five."""
    catalogue = sorted(domain.SECURITY_QUESTIONS)
    return sorted(
        catalogue,
        key=lambda question: keyring.code_hash("decoy questions", f"{username_key}:{question}"),
    )[: domain.SECURITY_QUESTIONS_REQUIRED]


def start(session: Session, *, keyring: Keyring, username: str) -> Started:
    """Asks two questions; QuestionResetClosed when this way is closed for the name. A name
    that is no account, or cannot use this way, does the same work as one that can (X3)."""
    key = usernames.username_key(username)
    found = knowledge_resets.standing(session, key)
    decoys = _decoy_questions(keyring, key)
    name_key = "name:" + keyring.code_hash("question reset", key)
    if (
        found.active
        and len(found.question_ids) >= ASKED
        and found.question_reset_allowed
        and not found.validation_pending
    ):
        state_key, account_id, chosen = (
            f"account:{found.account_id}",
            found.account_id,
            found.question_ids,
        )
    else:
        state_key, account_id, chosen = name_key, None, decoys
    if reset_attempts.is_closed(session, state_key):
        raise QuestionResetClosed()
    token = new_token()
    asked = sorted(_RANDOM.sample(chosen, ASKED))
    session.add(
        QuestionReset(
            token_hash=token_hash(token),
            state_key=state_key,
            account_id=account_id,
            question_ids=asked,
            expires_at=utcnow() + LIFETIME,
        )
    )
    return Started(token, asked)


def _live(session: Session, token: str, *, lock: bool) -> QuestionReset:
    query = select(QuestionReset).where(QuestionReset.token_hash == token_hash(token))
    row = session.scalar(query.with_for_update() if lock else query) if token else None
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise QuestionResetNotValid()
    return row


def on_file(session: Session, *, token: str) -> OnFile:
    """The asked questions and their stored answers (none for a decoy)."""
    row = _live(session, token, lock=False)
    asked = list(row.question_ids)
    account = repository.account(session, row.account_id) if row.account_id else None
    if account is None:
        return OnFile(None, "", "", asked)
    hashes = {
        answer.question_id: answer.answer_hash
        for answer in repository.security_answers(session, account.id)
        if answer.question_id in row.question_ids
    }
    return OnFile(account.id, account.username, account.practice_id, asked, hashes)


def wrong_answers(hashing: PasswordHashing, on_file: OnFile, given: dict[str, str]) -> list[str]:
    """The asked questions answered wrongly (every one for a decoy); argon2, no database."""
    wrong = []
    for question in on_file.asked:
        stored = on_file.answer_hashes.get(question)
        answer = domain.normalize_answer(given.get(question, ""))
        if not hashing.verify(stored, answer).matches:
            wrong.append(question)
    return wrong


def complete(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    outbox: Outbox,
    token: str,
    wrong: list[str],
    new_hash: str,
    second_factor: tuple[str, str] | None,
) -> Account:
    """Counts the wrong answers (closing this way at three on a question) or, with both right,
    sets the new password (`finish`); the authenticator code is needed when the app is on."""
    row = _live(session, token, lock=True)
    state = reset_attempts.locked(session, row.state_key)
    if state.closed_at is not None:
        raise QuestionResetClosed()
    if wrong or row.account_id is None:
        failed = dict(state.failed or {})
        for question in wrong or row.question_ids:
            failed[question] = failed.get(question, 0) + 1
        state.failed = failed
        if max(failed.values()) >= ATTEMPTS_PER_QUESTION:
            state.closed_at = utcnow()
            row.used_at = utcnow()
            raise QuestionResetClosed()
        raise WrongSecurityAnswers(wrong or list(row.question_ids))
    account = repository.account(session, row.account_id, for_update=True)
    assert account is not None
    require_second_factor(session, keyring, lockout, account, second_factor, utcnow())
    row.used_at = utcnow()
    finish(
        session, lockout=lockout, outbox=outbox, account=account, new_hash=new_hash, way="questions"
    )
    return account
