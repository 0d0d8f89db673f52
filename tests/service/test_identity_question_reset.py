"""Password reset with security questions over real gRPC on SQLite and PostgreSQL (I8 b, X3)."""

from __future__ import annotations

import grpc
import pytest
from grpc_status import rpc_status
from vestibule.identity.v1 import identity_pb2

from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_questions import QUESTION_IDS, set_questions
from tests.service.test_identity_support import error_info

NEW_PASSWORD = "Quiet-Harbor-Lamps-77"


@pytest.fixture
def account_id(stub, notify) -> str:
    account_id = active_account(stub, notify)
    set_questions(stub, account_id)  # each answer is "answer to <question id>"
    return account_id


def _start(stub, username: str = "JaneDoe") -> identity_pb2.StartQuestionResetResponse:
    request = identity_pb2.StartQuestionResetRequest(username=username)
    return stub.StartQuestionReset(request, timeout=10)


def _answer(stub, started, *, right: bool = True) -> None:
    given = {
        q.question_id: f"answer to {q.question_id}" if right else "wrong" for q in started.questions
    }
    request = identity_pb2.CompleteQuestionResetRequest(
        token=started.token, answers=given, new_password=NEW_PASSWORD
    )
    stub.CompleteQuestionReset(request, timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule I8
def test_two_right_answers_set_a_new_password_I8(stub, account_id):
    started = _start(stub)
    assert len(started.questions) == 2
    assert {q.question_id for q in started.questions} <= set(QUESTION_IDS)
    _answer(stub, started)
    assert sign_in(stub, password=NEW_PASSWORD).account.account_id == account_id


def _wrong_until_closed(stub) -> list[str]:
    """Answers both asked questions wrongly, start after start, until the way closes; the
    reasons, in order. Two of five questions a time: some question has its third wrong answer
    by the sixth start at the latest."""
    reasons = []
    for _ in range(6):
        try:
            started = _start(stub)
        except grpc.RpcError as error:
            reasons.append(error_info(error).reason)
            break
        reasons.append(error_info(_refused(lambda: _answer(stub, started, right=False))).reason)  # noqa: B023
        if reasons[-1] == "QUESTION_RESET_CLOSED":
            break
    return reasons


# rule I8
def test_three_wrong_answers_to_a_question_close_this_way_I8(stub, account_id):
    reasons = _wrong_until_closed(stub)
    assert reasons[:2] == ["WRONG_SECURITY_ANSWERS"] * 2  # no question has three yet
    assert reasons[-1] == "QUESTION_RESET_CLOSED"
    assert error_info(_refused(lambda: _start(stub))).reason == "QUESTION_RESET_CLOSED"


# rule I8
def test_a_reset_link_reopens_the_question_way_I8(stub, notify, account_id):
    _wrong_until_closed(stub)
    stub.RequestPasswordReset(identity_pb2.RequestPasswordResetRequest(login="JaneDoe"))
    link = notify.wait_for(2)[-1]
    token = link.parameters["reset_url"].split("#token=", 1)[1]
    stub.CompletePasswordReset(
        identity_pb2.CompletePasswordResetRequest(token=token, new_password=NEW_PASSWORD)
    )
    assert len(_start(stub).questions) == 2


# rule X3, I8
def test_an_unknown_username_is_asked_and_refused_alike_X3_I8(stub, account_id):
    unknown = _start(stub, "NoSuchUser")
    assert len(unknown.questions) == 2
    again = {q.question_id for _ in range(6) for q in _start(stub, "NoSuchUser").questions}
    assert len(again) <= 5  # a fixed set of five, as an account has
    known_wrong = _refused(lambda: _answer(stub, _start(stub), right=False))
    unknown_wrong = _refused(lambda: _answer(stub, unknown, right=True))
    assert error_info(known_wrong).reason == error_info(unknown_wrong).reason
    assert rpc_status.from_call(known_wrong).message == rpc_status.from_call(unknown_wrong).message
