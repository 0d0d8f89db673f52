"""Password reset with account information (I8 d) over real gRPC on SQLite and PostgreSQL:
real identity, notify and enrollment recording doubles."""

from __future__ import annotations

import threading
from datetime import timedelta

import grpc
import pytest
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.identity.models import AuditRecord
from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_account_totp import _code, _turn_on
from tests.service.test_identity_questions import set_questions
from tests.service.test_identity_support import error_info, registration, start_identity

NEW_PASSWORD = "Quiet-Harbor-Lamps-77"
CELL = "+13125550199"
STREET = "4410 Wisteria Lane Apt 2"
DETAILS = {
    "first_name": "Jane",
    "last_name": "Doe",
    "date_of_birth": "1984-03-07",
    "home_phone": "(312) 555-0142",
}


@pytest.fixture
def identity(notify, enrollment, start_service, shared_settings):
    return start_identity(start_service, shared_settings, notify.address, enrollment.address)


@pytest.fixture
def account_id(stub, notify, enrollment) -> str:
    """An active account "JaneDoe" with no email and no security questions (it signed up with
    its cell phone), linked to a record with DETAILS and STREET."""
    registered = stub.RegisterAccount(registration(email="", cell_phone=CELL), timeout=10)
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(
            account_id=registered.account_id, code=notify.code_for(CELL)
        ),
        timeout=10,
    )
    enrollment.records[registered.account_id] = (
        "Jane",
        "Doe",
        "1984-03-07",
        "+13125550142",
        STREET,
    )
    return registered.account_id


def _start(stub, username: str = "JaneDoe", **details: str):
    request = identity_pb2.StartAccountInformationResetRequest(
        username=username, **{**DETAILS, **details}
    )
    return stub.StartAccountInformationReset(request, timeout=10)


def _pick(stub, started, index: int | None = None, **second_factor: str) -> None:
    chosen = list(started.addresses).index(STREET) if index is None else index
    request = identity_pb2.CompleteAccountInformationResetRequest(
        token=started.token, address_index=chosen, new_password=NEW_PASSWORD, **second_factor
    )
    stub.CompleteAccountInformationReset(request, timeout=10)


def _wrong_index(started) -> int:
    return next(i for i, a in enumerate(started.addresses) if a != STREET)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def _token_reset(stub, account_id: str) -> None:
    token = stub.IssuePasswordResetToken(
        identity_pb2.IssuePasswordResetTokenRequest(
            account_id=account_id,
            practice_id="practice-1",
            identity_check=identity_pb2.IDENTITY_CHECK_PHOTO_ID,
        ),
        timeout=10,
    ).token
    stub.ResetPasswordWithToken(
        identity_pb2.ResetPasswordWithTokenRequest(
            username="JaneDoe", token=token, new_password="Other-Harbor-Lamps-78"
        ),
        timeout=10,
    )


# rule I8
def test_the_right_details_and_address_set_a_new_password_I8(stub, account_id):
    started = _start(stub)
    assert len(started.addresses) == 5 and STREET in started.addresses
    _pick(stub, started)
    assert sign_in(stub, password=NEW_PASSWORD).account.account_id == account_id


# rule I8
def test_after_the_reset_sign_in_requires_an_email_and_questions_first_I8(stub, account_id):
    _pick(stub, _start(stub))
    signed_in = sign_in(stub, password=NEW_PASSWORD)
    assert list(signed_in.required_actions) == ["verify_account_email", "set_security_questions"]
    resolved = stub.ResolveSession(
        identity_pb2.ResolveSessionRequest(session_token=signed_in.session_token)
    )
    assert resolved.required_actions[0] == "verify_account_email"


# rule I8
def test_it_works_once_per_account_I8(stub, account_id):
    _pick(stub, _start(stub))
    again = _start(stub)
    assert STREET not in again.addresses
    assert error_info(_refused(lambda: _pick(stub, again, 0))).reason == (
        "WRONG_ACCOUNT_INFORMATION"
    )


# rule I8
def test_before_validation_only_a_practice_token_resets_the_password_I8(stub, notify, account_id):
    _pick(stub, _start(stub))
    set_questions(stub, account_id, password=NEW_PASSWORD)
    sent = len(notify.requests)
    stub.RequestPasswordReset(identity_pb2.RequestPasswordResetRequest(login="JaneDoe"))
    assert len(notify.requests) == sent  # no link: the account has no verified email anyway
    started = stub.StartQuestionReset(identity_pb2.StartQuestionResetRequest(username="JaneDoe"))
    right = {q.question_id: f"answer to {q.question_id}" for q in started.questions}
    refused = _refused(
        lambda: stub.CompleteQuestionReset(
            identity_pb2.CompleteQuestionResetRequest(
                token=started.token, answers=right, new_password="Third-Harbor-Lamps-79"
            )
        )
    )
    assert error_info(refused).reason == "WRONG_SECURITY_ANSWERS"
    _token_reset(stub, account_id)
    assert sign_in(stub, password="Other-Harbor-Lamps-78").account.account_id == account_id


# rule I8
def test_two_failed_picks_close_this_way_until_a_practice_token_I8(stub, account_id):
    first = _start(stub)
    assert error_info(_refused(lambda: _pick(stub, first, _wrong_index(first)))).reason == (
        "WRONG_ACCOUNT_INFORMATION"
    )
    second = _start(stub)
    assert error_info(_refused(lambda: _pick(stub, second, _wrong_index(second)))).reason == (
        "INFORMATION_RESET_CLOSED"
    )
    assert error_info(_refused(lambda: _start(stub))).reason == "INFORMATION_RESET_CLOSED"
    _token_reset(stub, account_id)
    _pick(stub, _start(stub))
    assert sign_in(stub, password=NEW_PASSWORD).account.account_id == account_id


# rule I8
def test_a_used_pick_cannot_be_replayed_I8(stub, account_id):
    started = _start(stub)
    _pick(stub, started)
    replay = _refused(lambda: _pick(stub, started))
    assert error_info(replay).reason == "INFORMATION_RESET_NOT_VALID"


# rule I8
def test_the_list_expires_after_ten_minutes_I8(stub, account_id, clock):
    started = _start(stub)
    clock.shift(timedelta(minutes=10, seconds=1))
    expired = _refused(lambda: _pick(stub, started))
    assert error_info(expired).reason == "INFORMATION_RESET_NOT_VALID"


# rule I8
def test_two_picks_at_once_let_exactly_one_through_I8(stub, account_id):
    started = _start(stub)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            _pick(stub, started)
            outcomes.append("ok")
        except grpc.RpcError as error:
            outcomes.append(error_info(error).reason)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["INFORMATION_RESET_NOT_VALID"] * 3 + ["ok"]


# rule I8, I4
def test_with_the_app_on_the_reset_needs_its_code_I8_I4(stub, account_id, clock):
    secret, _, confirmed_at = _turn_on(stub, account_id, clock)
    started = _start(stub)
    missing = _refused(lambda: _pick(stub, started))
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT
    _pick(stub, started, totp_code=_code(secret, confirmed_at, steps=1))
    assert sign_in(stub, password=NEW_PASSWORD).next_step == identity_pb2.SIGN_IN_STEP_SECOND_FACTOR


@pytest.mark.parametrize(
    "username, details",
    [
        ("NoSuchUser", {}),
        ("JaneDoe", {"first_name": "Janet"}),
        ("JaneDoe", {"last_name": "Dough"}),
        ("JaneDoe", {"date_of_birth": "1984-03-08"}),
        ("JaneDoe", {"home_phone": "312 555 0143"}),
    ],
)
# rule X3, I8
def test_unknown_names_and_wrong_details_get_decoys_and_the_same_refusal_X3_I8(
    stub, enrollment, account_id, username, details
):
    right = _start(stub)
    other = _start(stub, username, **details)
    assert len(other.addresses) == 5 and STREET not in other.addresses
    assert not set(other.addresses) & set(right.addresses)  # nothing to compare and subtract
    assert enrollment.requests[-1].DESCRIPTOR.name == "CheckAccountInformationRequest"
    refused = _refused(lambda: _pick(stub, other, 0))
    _token_reset(stub, account_id)  # a practice token clears the account's count
    known_wrong = _refused(lambda: _pick(stub, right, _wrong_index(right)))
    assert error_info(refused).reason == error_info(known_wrong).reason
    assert rpc_status.from_call(refused).message == rpc_status.from_call(known_wrong).message


# rule X3, I8
def test_the_same_details_always_show_the_same_list_X3_I8(stub, account_id):
    assert list(_start(stub).addresses) == list(
        _start(stub, "janedoe", first_name=" JANE").addresses
    )
    assert list(_start(stub, "NoSuchUser").addresses) == list(_start(stub, "NoSuchUser").addresses)


# rule I8
def test_an_account_with_a_verified_email_gets_only_decoys_I8(stub, notify, enrollment):
    account_id = active_account(stub, notify)
    enrollment.records[account_id] = ("Jane", "Doe", "1984-03-07", "+13125550142", STREET)
    assert STREET not in _start(stub).addresses


# rule I8
def test_a_practice_that_turns_this_way_off_gets_only_decoys_I8(stub, account_id):
    stub.SetPatientSignInPolicy(
        identity_pb2.SetPatientSignInPolicyRequest(
            practice_id="practice-1", account_information_reset_allowed=False
        )
    )
    assert STREET not in _start(stub).addresses
    policy = stub.GetPatientSignInPolicy(
        identity_pb2.GetPatientSignInPolicyRequest(practice_id="practice-1")
    ).policy
    assert not policy.account_information_reset_allowed and policy.question_reset_allowed


# rule X2, I8
def test_the_reset_and_each_failed_pick_are_audited_without_details_X2_I8(
    stub, identity, account_id
):
    wrong = _start(stub)
    _refused(lambda: _pick(stub, wrong, _wrong_index(wrong)))
    _pick(stub, _start(stub))
    with identity.database.transaction() as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.action.like("account.password_reset%"))
        ).all()
    assert [(r.action, r.outcome, r.details.get("way")) for r in records] == [
        ("account.password_reset.failed", "failed", "account_information"),
        ("account.password_reset", "success", "account_information"),
    ]
    text = " ".join(str(r.details) for r in records)
    assert "Doe" not in text and "Wisteria" not in text and "0142" not in text
