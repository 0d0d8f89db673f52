"""Identity over real gRPC: wrong passwords and codes slow down, then lock (I11), alike for a
username that exists and one that does not (X3); a remembered device keeps signing in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select
from vestibule.notify.v1 import notify_pb2

from services.common.db import utcnow
from services.identity import lockout
from services.identity.domain import LockoutRule
from services.identity.models import AuditRecord, SignInThrottle
from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_staff_sign_in import _enrolled
from tests.service.test_identity_staff_support import proceed
from tests.service.test_identity_staff_support import sign_in as staff_sign_in
from tests.service.test_identity_support import (
    PASSWORD,
    error_info,
    retry_delay,
)

WRONG = "Not-The-Password-1"
# Longer than the longest slow-down before the lock (32 seconds after the ninth failure).
PAST_ANY_SLOWDOWN = timedelta(seconds=65)
LOCK = timedelta(minutes=15)


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def _refused(stub, username: str = "JaneDoe", password: str = WRONG, **fields) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        sign_in(stub, username, password, **fields)
    return raised.value


def _wrong_passwords(stub, clock, count: int, username: str = "JaneDoe", **fields) -> None:
    """`count` wrong passwords, each after any slow-down of the one before has passed."""
    for _ in range(count):
        clock.shift(PAST_ANY_SLOWDOWN)
        assert _refused(stub, username, **fields).code() == grpc.StatusCode.UNAUTHENTICATED


# rule I11
def test_a_wrong_password_after_the_third_makes_the_next_try_wait_I11(stub, account_id, clock):
    _wrong_passwords(stub, clock, 9)  # the ninth makes the next wait 32 seconds
    paused = _refused(stub, password=PASSWORD)
    assert paused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert timedelta(seconds=28) < retry_delay(paused) <= timedelta(seconds=32)
    clock.shift(timedelta(seconds=33))
    assert sign_in(stub).account.account_id == account_id


# rule I11, X3
def test_an_unknown_username_slows_down_exactly_like_a_known_one_I11_X3(stub, account_id, clock):
    _wrong_passwords(stub, clock, 8)
    _wrong_passwords(stub, clock, 8, username="NoSuchUser")
    clock.shift(PAST_ANY_SLOWDOWN)
    assert _refused(stub).code() == _refused(stub, username="NoSuchUser").code()
    known, unknown = _refused(stub), _refused(stub, username="NoSuchUser")
    assert known.code() == unknown.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(known) == error_info(unknown)
    for paused in (known, unknown):
        assert timedelta(seconds=28) < retry_delay(paused) <= timedelta(seconds=32)
        assert paused.details().startswith("Too many wrong passwords or codes in a row.")


# rule I11
def test_the_tenth_wrong_password_locks_for_fifteen_minutes_then_the_lock_ends_I11(
    stub, account_id, clock
):
    _wrong_passwords(stub, clock, 10)
    clock.shift(LOCK - timedelta(seconds=5))
    locked = _refused(stub, password=PASSWORD)
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "Try again in 5 second(s)" in locked.details()
    clock.shift(timedelta(seconds=6))
    assert sign_in(stub).account.account_id == account_id


# rule I11
def test_the_lock_sends_a_notice_to_the_verified_account_email_I11(
    identity, stub, notify, account_id, clock
):
    _wrong_passwords(stub, clock, 10)
    notice = notify.wait_for(2)[1]  # after the registration's code
    assert notice.template == notify_pb2.TEMPLATE_ACCOUNT_NOTICE
    assert notice.recipient == "jane.doe@example.com"
    assert dict(notice.parameters) == {"notice": "account_locked", "lock_minutes": "15"}
    with identity.database.transaction() as session:
        actions = session.scalars(select(AuditRecord.action)).all()
    assert actions.count("account.locked") == 1


# rule I11
def test_parallel_guesses_cannot_overrun_the_lock_I11(stub, account_id, clock):
    _wrong_passwords(stub, clock, 9)
    clock.shift(PAST_ANY_SLOWDOWN)
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: _refused(stub).code(), range(6)))
    assert sorted(codes, key=str) == sorted(
        [grpc.StatusCode.UNAUTHENTICATED] + [grpc.StatusCode.RESOURCE_EXHAUSTED] * 5, key=str
    )


# rule I11
def test_a_right_password_clears_the_count_I11(stub, account_id, clock):
    _wrong_passwords(stub, clock, 9)
    clock.shift(PAST_ANY_SLOWDOWN)
    sign_in(stub)
    _wrong_passwords(stub, clock, 9)
    clock.shift(PAST_ANY_SLOWDOWN)
    assert sign_in(stub).account.account_id == account_id


# rule I11
def test_a_remembered_device_keeps_signing_in_while_the_account_is_locked_I11(
    stub, account_id, clock
):
    device = sign_in(stub, remember_device=True).device_token
    assert device
    _wrong_passwords(stub, clock, 10)
    assert _refused(stub, password=PASSWORD).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert sign_in(stub, device_token=device).account.account_id == account_id


# rule I11
def test_wrong_passwords_on_a_remembered_device_count_against_that_device_I11(
    stub, account_id, clock
):
    device = sign_in(stub, remember_device=True).device_token
    _wrong_passwords(stub, clock, 10, device_token=device)
    locked = _refused(stub, password=PASSWORD, device_token=device)
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert sign_in(stub).account.account_id == account_id  # elsewhere, the account is not locked


# rule I11
def test_a_staff_password_gives_no_fresh_tries_to_the_code_step_I11(stub, clock):
    _enrolled(stub)
    for _ in range(9):
        clock.shift(PAST_ANY_SLOWDOWN)
        challenge = staff_sign_in(stub).challenge_token
        with pytest.raises(grpc.RpcError) as wrong:
            proceed(stub, challenge, totp_code="000000")
        assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    clock.shift(PAST_ANY_SLOWDOWN)
    challenge = staff_sign_in(stub).challenge_token
    with pytest.raises(grpc.RpcError):
        proceed(stub, challenge, totp_code="000000")  # the tenth in a row locks
    with pytest.raises(grpc.RpcError) as locked:
        staff_sign_in(stub)
    assert locked.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert retry_delay(locked.value) > LOCK - timedelta(minutes=1)


# rule I11
def test_counts_long_forgotten_are_swept_I11(identity, stub, account_id, clock):
    _wrong_passwords(stub, clock, 2)
    _wrong_passwords(stub, clock, 2, username="NoSuchUser")
    clock.shift(timedelta(hours=13))
    _wrong_passwords(stub, clock, 1, username="SomeoneElse")
    assert lockout.sweep(identity.database, LockoutRule()) == 2
    with identity.database.transaction() as session:
        left = session.scalars(select(SignInThrottle)).all()
    assert [row.key.split(":")[0] for row in left] == ["login"]
    assert left[0].last_failure_at > utcnow() - timedelta(minutes=5)
