"""Security questions over real gRPC (I3): the catalogue, five distinct answers, normalized and
hashed, and the sign-in demand until they are set."""

from __future__ import annotations

import grpc
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.identity.models import SecurityAnswer
from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_support import (
    PASSWORD,
    field_violations,
)

QUESTION_IDS = ["first_pet", "first_street", "first_school", "first_job", "first_car"]


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def answers(*pairs: tuple[str, str]) -> list[identity_pb2.SecurityAnswer]:
    chosen = pairs or tuple((qid, f"answer to {qid}") for qid in QUESTION_IDS)
    return [identity_pb2.SecurityAnswer(question_id=q, answer=a) for q, a in chosen]


def set_questions(stub, account_id: str, chosen=None, password: str = PASSWORD):
    return stub.SetSecurityQuestions(
        identity_pb2.SetSecurityQuestionsRequest(
            account_id=account_id, current_password=password, answers=chosen or answers()
        ),
        timeout=10,
    )


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule I3
def test_at_least_ten_questions_to_choose_five_from_I3(stub):
    listed = stub.ListSecurityQuestions(identity_pb2.ListSecurityQuestionsRequest(), timeout=5)
    ids = [q.question_id for q in listed.questions]
    assert len(ids) >= 10 and len(set(ids)) == len(ids)
    assert all(q.text.endswith("?") for q in listed.questions)
    assert listed.required_count == 5


# rule I3
def test_five_distinct_questions_are_required_I3(stub, account_id):
    four = answers()[:4]
    error = refused(lambda: set_questions(stub, account_id, four))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "answers" in field_violations(error)
    repeated = [*answers()[:4], identity_pb2.SecurityAnswer(question_id="first_pet", answer="x")]
    assert "answers" in field_violations(refused(lambda: set_questions(stub, account_id, repeated)))
    unknown = [*answers()[:4], identity_pb2.SecurityAnswer(question_id="shoe_size", answer="9")]
    assert "answers.4.question_id" in field_violations(
        refused(lambda: set_questions(stub, account_id, unknown))
    )
    blank = [*answers()[:4], identity_pb2.SecurityAnswer(question_id="dream_job", answer="   ")]
    assert "answers.4.answer" in field_violations(
        refused(lambda: set_questions(stub, account_id, blank))
    )


# rule I3
def test_answers_are_normalized_and_stored_only_as_hashes_I3(stub, identity, account_id):
    chosen = answers(
        ("first_pet", "  Rex   The\tDOG "),
        ("first_street", "Elm Street"),
        ("first_school", "Lincoln"),
        ("first_job", "Paper route"),
        (
            "first_car",
            "\uff26\uff4f\uff52\uff44 Fiesta",
        ),  # full-width letters: NFKC makes them plain
    )
    set_questions(stub, account_id, chosen)
    with identity.database.transaction() as session:
        stored = {
            row.question_id: row.answer_hash
            for row in session.scalars(
                select(SecurityAnswer).where(SecurityAnswer.account_id == account_id)
            )
        }
    assert sorted(stored) == sorted(QUESTION_IDS)
    assert all(value.startswith("$argon2id$") for value in stored.values())
    assert PasswordHasher().verify(stored["first_pet"], "rex the dog")
    assert PasswordHasher().verify(stored["first_car"], "ford fiesta")


# rule I3
def test_setting_questions_needs_the_password_I3(stub, account_id):
    error = refused(lambda: set_questions(stub, account_id, password="Not-The-Password-9"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "current_password" in field_violations(error)


# rule I3
def test_an_account_without_questions_is_asked_at_sign_in_until_it_answers_I3(stub, account_id):
    token = sign_in(stub).session_token
    request = identity_pb2.ResolveSessionRequest(session_token=token)
    assert list(stub.ResolveSession(request, timeout=5).required_actions) == [
        "set_security_questions"
    ]
    set_questions(stub, account_id)
    assert list(stub.ResolveSession(request, timeout=5).required_actions) == []


# rule I3, I9
def test_questions_are_changeable_in_settings_I3_I9(stub, account_id):
    set_questions(stub, account_id)
    others = ["dream_job", "first_concert", "oldest_cousin", "childhood_hero", "first_pet"]
    set_questions(stub, account_id, answers(*((q, "new") for q in others)))
    settings = stub.GetAccountSettings(
        identity_pb2.GetAccountSettingsRequest(account_id=account_id), timeout=5
    ).settings
    assert list(settings.security_question_ids) == sorted(others)
    assert list(settings.required_actions) == []
