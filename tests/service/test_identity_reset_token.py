"""Password reset with a practice's token over real gRPC on SQLite and PostgreSQL (I8 c, X2,
X3)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.identity.models import AuditRecord
from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_support import error_info, field_violations

NEW_PASSWORD = "Quiet-Harbor-Lamps-77"
PHOTO_ID = identity_pb2.IDENTITY_CHECK_PHOTO_ID


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def _issue(stub, account_id: str, check=PHOTO_ID) -> str:
    request = identity_pb2.IssuePasswordResetTokenRequest(
        account_id=account_id,
        practice_id="practice-1",
        practice_name="Lakeside Family Medicine",
        identity_check=check,
    )
    return stub.IssuePasswordResetToken(request, timeout=10).token


def _reset(stub, token: str, username: str = "JaneDoe") -> None:
    request = identity_pb2.ResetPasswordWithTokenRequest(
        username=username, token=token, new_password=NEW_PASSWORD
    )
    stub.ResetPasswordWithToken(request, timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def _wrong(token: str) -> str:
    return f"{(int(token) + 1) % 10**8:08d}"


# rule I8
def test_the_practices_token_sets_a_new_password_I8(stub, account_id):
    _reset(stub, _issue(stub, account_id))
    assert sign_in(stub, password=NEW_PASSWORD).account.account_id == account_id


# rule I8, X2
def test_issuing_needs_the_identity_check_which_is_audited_I8_X2(identity, stub, account_id):
    missing = _refused(lambda: _issue(stub, account_id, identity_pb2.IDENTITY_CHECK_UNSPECIFIED))
    assert "identity_check" in field_violations(missing)
    _issue(stub, account_id, identity_pb2.IDENTITY_CHECK_CALL_BACK)
    with identity.database.transaction() as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "account.reset_token.issue")
        ).one()
    assert record.details["identity_check"] == "call_back"


# rule I8, I6
def test_the_account_email_is_told_a_token_was_issued_I8_I6(stub, notify, account_id):
    token = _issue(stub, account_id)
    notice = notify.wait_for(2)[1]
    assert notice.template == notify_pb2.TEMPLATE_PRACTICE_TOKEN_NOTICE
    assert token not in str(notice.parameters)


# rule I8
def test_a_newer_token_makes_the_older_one_stop_working_I8(stub, account_id):
    older = _issue(stub, account_id)
    _issue(stub, account_id)
    assert error_info(_refused(lambda: _reset(stub, older))).reason == "RESET_TOKEN_NOT_VALID"


# rule I8
def test_a_token_expires_after_a_day_I8(stub, account_id, clock):
    token = _issue(stub, account_id)
    clock.shift(timedelta(hours=24, seconds=1))
    assert error_info(_refused(lambda: _reset(stub, token))).reason == "RESET_TOKEN_NOT_VALID"


# rule I8, I11
def test_five_wrong_tries_end_the_token_I8_I11(stub, account_id, clock):
    token = _issue(stub, account_id)
    for _ in range(5):
        clock.shift(timedelta(seconds=65))  # past each slow-down of the lockout
        _refused(lambda: _reset(stub, _wrong(token)))
    clock.shift(timedelta(seconds=65))
    assert error_info(_refused(lambda: _reset(stub, token))).reason == "RESET_TOKEN_NOT_VALID"


# rule I8, X3
def test_an_unknown_username_is_answered_like_a_wrong_token_X3_I8(stub, account_id):
    token = _issue(stub, account_id)
    wrong = _refused(lambda: _reset(stub, _wrong(token)))
    unknown = _refused(lambda: _reset(stub, token, username="NoSuchUser"))
    assert rpc_status.from_call(wrong) == rpc_status.from_call(unknown)
