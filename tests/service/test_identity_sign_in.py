"""Identity service over real gRPC: sign-in, sessions and lockout (I1, I10, I11, X3)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
import time_machine
from argon2 import PasswordHasher
from grpc_status import rpc_status
from sqlalchemy import select, update
from vestibule.identity.v1 import identity_pb2

from services.common.db import utcnow
from services.identity.models import Account, AuditRecord, AuthSession
from tests.service.test_identity_support import (
    PASSWORD,
    registration,
)


@pytest.fixture
def account_id(stub, notify) -> str:
    """An active account JaneDoe with PASSWORD."""
    registered = stub.RegisterAccount(registration("JaneDoe"), timeout=10)
    code = notify.code_for("jane.doe@example.com")
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=registered.account_id, code=code), timeout=10
    )
    return registered.account_id


def _sign_in(stub, username: str = "JaneDoe", password: str = PASSWORD):
    return stub.SignIn(
        identity_pb2.SignInRequest(username=username, password=password, device_label="phone"),
        timeout=10,
    )


def _refusal(stub, username: str = "JaneDoe", password: str = PASSWORD) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        _sign_in(stub, username, password)
    return raised.value


# rule I1
def test_sign_in_ignores_username_letter_case_I1(stub, account_id):
    signed_in = _sign_in(stub, username="JANEDOE")
    assert signed_in.account.account_id == account_id
    assert signed_in.session_token


# rule X3
def test_wrong_password_and_unknown_user_answer_alike_X3(stub, account_id):
    wrong_password = _refusal(stub, password="Not-The-Password-1")
    unknown_user = _refusal(stub, username="NoSuchUser")
    assert wrong_password.code() == grpc.StatusCode.UNAUTHENTICATED
    assert wrong_password.details() == "The username or password is incorrect."
    assert rpc_status.from_call(wrong_password) == rpc_status.from_call(unknown_user)


def test_pending_account_cannot_sign_in_with_right_password(stub):
    stub.RegisterAccount(registration("JaneDoe"), timeout=10)
    error = _refusal(stub)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "code" in error.details()


# rule I10
def test_session_resolves_then_ends_on_sign_out_I10(identity, stub, account_id):
    signed_in = _sign_in(stub)
    resolved = stub.ResolveSession(
        identity_pb2.ResolveSessionRequest(session_token=signed_in.session_token), timeout=5
    )
    assert (resolved.kind, resolved.principal_id, resolved.practice_id) == (
        identity_pb2.PRINCIPAL_KIND_ACCOUNT,
        account_id,
        "",
    )
    with identity.database.transaction() as session:
        stored = session.query(AuthSession).one()
    assert stored.token_hash != signed_in.session_token
    assert stored.device_label == "phone"
    sign_out = identity_pb2.SignOutRequest(session_token=signed_in.session_token)
    stub.SignOut(sign_out, timeout=5)
    stub.SignOut(sign_out, timeout=5)  # ending it again is harmless
    with pytest.raises(grpc.RpcError) as raised:
        stub.ResolveSession(
            identity_pb2.ResolveSessionRequest(session_token=signed_in.session_token), timeout=5
        )
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


# rule I10
def test_expired_session_does_not_resolve_I10(identity, stub, account_id):
    signed_in = _sign_in(stub)
    with identity.database.transaction() as session:
        session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(grpc.RpcError) as raised:
        stub.ResolveSession(
            identity_pb2.ResolveSessionRequest(session_token=signed_in.session_token), timeout=5
        )
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_sessions_last_twelve_hours_for_patients(stub, account_id):
    signed_in = _sign_in(stub)
    lifetime = signed_in.expires_at.ToDatetime(tzinfo=utcnow().tzinfo) - utcnow()
    assert timedelta(hours=11, minutes=59) < lifetime <= timedelta(hours=12)


# rule I2
def test_sign_in_rehashes_a_hash_made_with_other_parameters_I2(identity, stub, account_id):
    old_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    with identity.database.transaction() as session:
        session.execute(update(Account).values(password_hash=old_hash))
    _sign_in(stub)
    with identity.database.transaction() as session:
        new_hash = session.get(Account, account_id).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")


def _actions(identity) -> list[tuple[str, str, str]]:
    with identity.database.transaction() as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.sequence)).all()
        return [(row.action, row.target, row.outcome) for row in rows]


# rule X2
def test_registration_and_verification_are_audited_X2(identity, account_id):
    target = f"account:{account_id}"
    assert _actions(identity) == [
        ("account.register", target, "success"),
        ("account.verify", target, "success"),
    ]


# rule X2
def test_sign_in_its_failure_and_sign_out_are_audited_X2(identity, stub, account_id):
    _refusal(stub, password="not the password at all")
    token = _sign_in(stub).session_token
    stub.SignOut(identity_pb2.SignOutRequest(session_token=token), timeout=10)
    target = f"account:{account_id}"
    assert _actions(identity)[2:] == [
        ("account.sign_in.failed", target, "failed"),
        ("account.sign_in", target, "success"),
        ("session.end", target, "success"),
    ]


def _resolve(stub, token):
    return stub.ResolveSession(identity_pb2.ResolveSessionRequest(session_token=token), timeout=10)


# rule I10
def test_a_session_unused_for_fifteen_minutes_ends_I10(stub, account_id):
    token = _sign_in(stub).session_token
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=True):
        with pytest.raises(grpc.RpcError) as ended:
            _resolve(stub, token)
    assert ended.value.code() == grpc.StatusCode.UNAUTHENTICATED


# rule I10
def test_using_a_session_keeps_it_open_past_the_idle_timeout_I10(stub, account_id):
    token = _sign_in(stub).session_token
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=True):
        _resolve(stub, token)
    with time_machine.travel(utcnow() + timedelta(minutes=20), tick=True):
        assert _resolve(stub, token).principal_id == account_id


# rule I10
def test_sessions_are_listed_per_device_with_the_current_one_marked_I10(stub, account_id):
    _sign_in(stub)  # device "phone"
    laptop = stub.SignIn(
        identity_pb2.SignInRequest(username="JaneDoe", password=PASSWORD, device_label="laptop"),
        timeout=10,
    ).session_token
    listed = stub.ListSessions(identity_pb2.ListSessionsRequest(session_token=laptop), timeout=10)
    assert sorted((s.device_label, s.current) for s in listed.sessions) == [
        ("laptop", True),
        ("phone", False),
    ]


# rule I10
def test_ending_one_session_leaves_the_others_open_I10(stub, account_id):
    phone = _sign_in(stub).session_token
    laptop = _sign_in(stub).session_token
    listed = stub.ListSessions(identity_pb2.ListSessionsRequest(session_token=laptop), timeout=10)
    [other] = [s.session_id for s in listed.sessions if not s.current]
    stub.EndSession(
        identity_pb2.EndSessionRequest(session_token=laptop, session_id=other), timeout=10
    )
    with pytest.raises(grpc.RpcError):
        _resolve(stub, phone)
    assert _resolve(stub, laptop).principal_id == account_id


# rule I10, X3
def test_another_logins_session_cannot_be_ended_I10(stub, notify, account_id):
    mine = _sign_in(stub).session_token
    other = stub.RegisterAccount(registration("JohnRoe", email="john.roe@example.com"), timeout=10)
    code = notify.code_for("john.roe@example.com")
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=other.account_id, code=code), timeout=10
    )
    theirs = _sign_in(stub, "JohnRoe").session_token
    [their_session] = stub.ListSessions(
        identity_pb2.ListSessionsRequest(session_token=theirs), timeout=10
    ).sessions
    with pytest.raises(grpc.RpcError) as refused:
        stub.EndSession(
            identity_pb2.EndSessionRequest(session_token=mine, session_id=their_session.session_id),
            timeout=10,
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert _resolve(stub, theirs).principal_id == other.account_id


# rule I10
def test_ending_the_other_sessions_keeps_this_one_I10(stub, account_id):
    others = [_sign_in(stub).session_token for _ in range(2)]
    mine = _sign_in(stub).session_token
    answer = stub.EndOtherSessions(
        identity_pb2.EndOtherSessionsRequest(session_token=mine), timeout=10
    )
    assert answer.ended == 2
    assert _resolve(stub, mine).principal_id == account_id
    for token in others:
        with pytest.raises(grpc.RpcError):
            _resolve(stub, token)
