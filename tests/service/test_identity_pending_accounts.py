"""Identity over real gRPC on SQLite and PostgreSQL: a pending account that can no longer be
activated (past the end its caller gave, or replaced by a new registration of the same person)
holds no username, tells a person signing in what to do, and is deleted (E9, I1)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.common.db import utcnow
from services.identity import pending_accounts
from services.identity.models import Account, Verification
from tests.service.test_identity_support import PASSWORD, error_info, registration


def refused(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(request, timeout=10)
    return raised.value


def ending_in(delta: timedelta, *args, **fields) -> identity_pb2.RegisterAccountRequest:
    """A registration whose pending account may be activated for `delta` from now."""
    request = registration(*args, **fields)
    request.pending_until.FromDatetime(utcnow() + delta)
    return request


def sign_in(stub, username: str = "JaneDoe") -> grpc.RpcError:
    return refused(stub.SignIn, identity_pb2.SignInRequest(username=username, password=PASSWORD))


def accounts(identity) -> list[tuple[str, str]]:
    with identity.database.transaction() as session:
        return list(session.execute(select(Account.id, Account.state).order_by(Account.id)))


# rule E9
def test_signing_in_before_the_end_says_to_finish_with_the_code_E9(stub, clock):
    stub.RegisterAccount(ending_in(timedelta(hours=1)), timeout=10)
    assert error_info(sign_in(stub)).reason == "ACTIVATION_PENDING"


# rule E9
def test_signing_in_after_the_end_says_to_ask_for_a_new_invitation_E9(stub, clock):
    account_id = stub.RegisterAccount(ending_in(timedelta(hours=1)), timeout=10).account_id
    clock.shift(timedelta(hours=2))
    error = sign_in(stub)
    assert (error.code(), error_info(error).reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "ACTIVATION_EXPIRED",
    )
    assert "ask them for a new one" in error.details()
    assert "same username" in error.details()
    code = refused(
        stub.VerifyAccount, identity_pb2.VerifyAccountRequest(account_id=account_id, code="1")
    )
    assert error_info(code).reason == "ACTIVATION_EXPIRED"


# rule I1, E9
def test_a_pending_account_past_its_end_frees_its_username_I1_E9(identity, stub, notify, clock):
    stub.RegisterAccount(ending_in(timedelta(hours=1)), timeout=10)
    clock.shift(timedelta(hours=2))
    second = stub.RegisterAccount(
        registration("janedoe", email="someone.else@example.com"), timeout=10
    ).account_id
    assert accounts(identity) == [(second, "pending")]
    with identity.database.transaction() as session:
        assert session.scalars(select(Verification.account_id)).all() == [second]


# rule I1, E9
def test_before_its_end_a_pending_account_keeps_its_username_I1_E9(stub, clock):
    stub.RegisterAccount(ending_in(timedelta(hours=1)), timeout=10)
    clock.shift(timedelta(minutes=30))
    taken = refused(stub.RegisterAccount, registration("janedoe", email="b@example.com"))
    assert error_info(taken).reason == "USERNAME_TAKEN"


# rule I1, E9
def test_without_an_end_given_a_pending_account_may_be_activated_for_30_days_I1_E9(
    identity, stub, clock
):
    stub.RegisterAccount(registration(), timeout=10)
    clock.shift(timedelta(days=29))
    assert error_info(sign_in(stub)).reason == "ACTIVATION_PENDING"
    clock.shift(timedelta(days=2))
    stub.RegisterAccount(registration("janedoe", email="b@example.com"), timeout=10)


# rule E9, I1, E4
def test_a_registration_replaces_the_same_persons_pending_account_E9_I1_E4(identity, stub):
    earlier = stub.RegisterAccount(ending_in(timedelta(days=30)), timeout=10).account_id
    again = ending_in(timedelta(days=30), "JaneDoe", replaces_account_ids=[earlier])
    later = stub.RegisterAccount(again, timeout=10).account_id
    assert accounts(identity) == [(later, "pending")]


# rule E9
def test_a_replacement_never_touches_an_active_account_or_another_practices(identity, stub, notify):
    active = stub.RegisterAccount(registration("Active1", email="a@example.com"), timeout=10)
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(
            account_id=active.account_id, code=notify.code_for("a@example.com")
        ),
        timeout=10,
    )
    elsewhere = stub.RegisterAccount(
        registration("Other1", email="o@example.com", practice_id="practice-2"), timeout=10
    ).account_id
    stub.RegisterAccount(
        registration(replaces_account_ids=[active.account_id, elsewhere]), timeout=10
    )
    assert {account_id for account_id, _ in accounts(identity)} >= {
        active.account_id,
        elsewhere,
    }


# rule E9
def test_the_sweep_deletes_pending_accounts_a_week_past_their_end_E9(identity, stub, clock):
    stub.RegisterAccount(ending_in(timedelta(hours=1)), timeout=10)
    kept = stub.RegisterAccount(
        ending_in(timedelta(days=30), "Jane2Doe", email="k@example.com"), timeout=10
    ).account_id
    clock.shift(timedelta(days=2))
    assert pending_accounts.sweep(identity.database) == 0
    assert error_info(sign_in(stub)).reason == "ACTIVATION_EXPIRED"
    clock.shift(timedelta(days=6))
    assert pending_accounts.sweep(identity.database) == 1
    assert accounts(identity) == [(kept, "pending")]
    assert error_info(sign_in(stub)).reason == "BAD_CREDENTIALS"
