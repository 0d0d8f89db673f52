"""Security questions (I3): the catalogue and an account's five answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.common.errors import FieldViolation
from services.identity import domain, repository
from services.identity.audit import trail
from services.identity.errors import InvalidRequest
from services.identity.hashing import PasswordHashing
from services.identity.models import Account, SecurityAnswer


@dataclass(frozen=True)
class Answer:
    """One chosen question and the answer as typed."""

    question_id: str
    answer: str


@dataclass(frozen=True)
class HashedAnswer:
    """A chosen question and the argon2id hash of its normalized answer."""

    question_id: str
    answer_hash: str


def checked(answers: Sequence[Answer]) -> list[Answer]:
    """The answers with each one normalized, when they are five answers to five distinct known
    questions (I3); InvalidRequest naming each field at fault otherwise."""
    violations: list[FieldViolation] = []
    required = domain.SECURITY_QUESTIONS_REQUIRED
    ids = [answer.question_id for answer in answers]
    if len(answers) != required or len(set(ids)) != len(ids):
        violations.append(
            FieldViolation("answers", f"Answer exactly {required} different questions.")
        )
    normalized = []
    for index, answer in enumerate(answers):
        if answer.question_id not in domain.SECURITY_QUESTIONS:
            violations.append(
                FieldViolation(
                    f"answers.{index}.question_id", "Not a question of the list; pick one."
                )
            )
        text = domain.normalize_answer(answer.answer)
        if not text or len(text) > domain.ANSWER_MAX_LENGTH:
            violations.append(
                FieldViolation(
                    f"answers.{index}.answer",
                    f"Required, at most {domain.ANSWER_MAX_LENGTH} characters.",
                )
            )
        normalized.append(Answer(answer.question_id, text))
    if violations:
        raise InvalidRequest(
            f"Choose {required} different questions from the list and answer each one.",
            violations=violations,
        )
    return normalized


def hashed(hashing: PasswordHashing, answers: Sequence[Answer]) -> list[HashedAnswer]:
    """Checks the answers (see `checked`) and hashes each normalized answer with argon2id:
    answers are guessable, so they get the slow hash passwords get. Touches no database."""
    return [HashedAnswer(a.question_id, hashing.hash(a.answer)) for a in checked(answers)]


def replace_answers(session: Session, *, account: Account, answers: Sequence[HashedAnswer]) -> None:
    """Replaces the locked account's security answers with the new ones."""
    had_answers = bool(repository.security_answers(session, account.id))
    repository.delete_security_answers(session, account.id)
    session.flush()
    session.add_all(
        SecurityAnswer(account_id=account.id, question_id=a.question_id, answer_hash=a.answer_hash)
        for a in answers
    )
    session.flush()
    trail.record(
        session,
        "account.security_questions.change" if had_answers else "account.security_questions.set",
        f"account:{account.id}",
        details={"questions": str(len(answers))},
    )


def question_ids(session: Session, account_id: str) -> list[str]:
    """The IDs of the questions the account answered, sorted."""
    return [answer.question_id for answer in repository.security_answers(session, account_id)]
