"""Identity over real gRPC: resending a verification code, and its throttle (N2, I11)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
import time_machine
from sqlalchemy import func, select
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.common.db import utcnow
from services.identity.models import OutboxMessage, Verification
from tests.service.test_identity_support import (
    error_info,
    registration,
    retry_delay,
)

EMAIL = "jane.doe@example.com"
# Just past the 30 seconds a resend must wait after the last resend.
PAST_INTERVAL = timedelta(seconds=31)


@pytest.fixture
def clock():
    """The process's clock, still ticking, that a test moves forward. Only forward: a gRPC
    deadline is computed from the wall clock, and one in the past fails the call at once."""
    with time_machine.travel(utcnow(), tick=True) as traveller:
        yield traveller


def _resend(stub, account_id: str) -> identity_pb2.ResendVerificationCodeResponse:
    request = identity_pb2.ResendVerificationCodeRequest(account_id=account_id)
    return stub.ResendVerificationCode(request, timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def _verify(stub, account_id: str, code: str) -> identity_pb2.VerifyAccountResponse:
    request = identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
    return stub.VerifyAccount(request, timeout=10)


def _codes_issued(identity) -> int:
    with identity.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Verification))


# rule N2
def test_resent_code_works_and_the_older_one_stops_working_N2(identity, stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    old_code = notify.code_for(EMAIL)
    answer = _resend(stub, account_id)
    assert answer.code_channel == identity_pb2.VERIFICATION_CHANNEL_EMAIL
    assert answer.code_destination_hint == "j***@example.com"
    first, resent = notify.wait_for(2)
    with identity.database.transaction() as session:
        newest = session.scalars(select(Verification.id).order_by(Verification.created_at)).all()
    assert resent.idempotency_key == f"verification:{newest[-1]}" != first.idempotency_key
    assert (resent.template, resent.channel, resent.recipient, resent.practice_id) == (
        notify_pb2.TEMPLATE_VERIFICATION_CODE,
        notify_pb2.CHANNEL_EMAIL,
        EMAIL,
        "practice-1",
    )
    assert resent.parameters["minutes_valid"] == "10"
    old = _refused(lambda: _verify(stub, account_id, old_code))
    assert old.code() == grpc.StatusCode.INVALID_ARGUMENT
    verified = _verify(stub, account_id, resent.parameters["code"])
    assert verified.account.state == identity_pb2.ACCOUNT_STATE_ACTIVE


# rule N2
def test_resend_goes_by_sms_without_email_N2(stub, notify):
    request = registration(email="", cell_phone="+1 415 555 2671")
    account_id = stub.RegisterAccount(request, timeout=10).account_id
    answer = _resend(stub, account_id)
    assert answer.code_channel == identity_pb2.VERIFICATION_CHANNEL_SMS
    assert answer.code_destination_hint == "***-***-2671"
    resent = notify.wait_for(2)[1]
    assert (resent.channel, resent.recipient) == (notify_pb2.CHANNEL_SMS, "+14155552671")


# rule I11
def test_resend_within_30_seconds_is_resource_exhausted_with_retry_delay_I11(identity, stub, clock):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    _resend(stub, account_id)
    error = _refused(lambda: _resend(stub, account_id))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(error).reason == "RESEND_THROTTLED"
    assert timedelta(seconds=1) <= retry_delay(error) <= timedelta(seconds=30)
    assert "check your email or phone" in error.details()
    with identity.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    clock.shift(PAST_INTERVAL)
    _resend(stub, account_id)
    assert _codes_issued(identity) == 3


# rule I11
def test_sixth_resend_in_an_hour_waits_for_the_oldest_to_age_out_I11(identity, stub, clock):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    _resend(stub, account_id)
    for _ in range(4):
        clock.shift(PAST_INTERVAL)
        _resend(stub, account_id)
    clock.shift(PAST_INTERVAL)
    error = _refused(lambda: _resend(stub, account_id))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The first resend was five intervals ago: it leaves the hour once the rest has passed.
    delay = retry_delay(error)
    assert timedelta(hours=1) - 6 * PAST_INTERVAL < delay <= timedelta(hours=1) - 4 * PAST_INTERVAL
    clock.shift(delay)
    _resend(stub, account_id)
    assert _codes_issued(identity) == 7


# rule I11
def test_resend_gives_fresh_attempts_after_five_wrong_codes_I11(stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    for _ in range(5):
        _refused(lambda: _verify(stub, account_id, "wrong"))
    _resend(stub, account_id)
    code = notify.wait_for(2)[1].parameters["code"]
    assert _verify(stub, account_id, code).account.state == identity_pb2.ACCOUNT_STATE_ACTIVE


def test_resend_for_an_active_account_says_sign_in(stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    _verify(stub, account_id, notify.code_for(EMAIL))
    error = _refused(lambda: _resend(stub, account_id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "ALREADY_VERIFIED"
    assert "sign in" in error.details()


def test_resend_for_an_unknown_account_is_not_found(stub):
    error = _refused(lambda: _resend(stub, "nobody"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
