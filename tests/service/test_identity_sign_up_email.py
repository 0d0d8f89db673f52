"""Signing up with an email that is already another account's verified email (I5, X3), over
real gRPC on SQLite and PostgreSQL: the answer is the one a free email gets, no code goes to
the address, its owner gets a notice instead (at most one an hour), and the new account can
never verify it. Activation, self-registration and proxy account creation all register
through identity, so each behaves alike."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from grpc_status import rpc_status
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from tests.service.test_account_security_support import active_account
from tests.service.test_identity_support import registration

OWNER = "jane.doe@example.com"
FREE = "jane.roe@example.com"
NOTICE = notify_pb2.TEMPLATE_ACCOUNT_NOTICE
CODE = notify_pb2.TEMPLATE_VERIFICATION_CODE


@pytest.fixture
def owner(stub, notify) -> str:
    """The account JaneDoe, whose verified email is OWNER (its code is notify's first request)."""
    return active_account(stub, notify, email=OWNER)


def _sign_up(stub, username: str, email: str) -> identity_pb2.RegisterAccountResponse:
    return stub.RegisterAccount(registration(username, email=email), timeout=10)


def _resend(stub, account_id: str) -> identity_pb2.ResendVerificationCodeResponse:
    request = identity_pb2.ResendVerificationCodeRequest(account_id=account_id)
    return stub.ResendVerificationCode(request, timeout=10)


def _refusal(stub, account_id: str, code: str) -> grpc.RpcError:
    request = identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
    with pytest.raises(grpc.RpcError) as raised:
        stub.VerifyAccount(request, timeout=10)
    return raised.value


def _sent(notify, count: int, template: int) -> list[notify_pb2.SendNotificationRequest]:
    """The requests of `template`, once notify got `count` requests in all."""
    return [r for r in notify.wait_for(count) if r.template == template]


# rule X3, I5
def test_another_accounts_verified_email_is_answered_as_a_free_one_X3_I5(stub, owner):
    taken = _sign_up(stub, "JaneDoe2", "Jane.Doe@Example.com")
    free = _sign_up(stub, "JaneRoe2", FREE)
    assert taken.account_id and taken.account_id != owner
    assert (taken.code_channel, taken.code_destination_hint) == (
        free.code_channel,
        free.code_destination_hint,
    )
    assert taken.code_destination_hint == "j***@example.com"


# rule I5, I6, X3
def test_no_code_goes_to_it_and_its_owner_gets_a_notice_instead_I5_I6_X3(stub, notify, owner):
    _sign_up(stub, "JaneDoe2", OWNER)
    _sign_up(stub, "JaneRoe2", FREE)
    assert [r.recipient for r in _sent(notify, 3, CODE)] == [OWNER, FREE]  # the owner's own
    [notice] = _sent(notify, 3, NOTICE)
    assert (notice.recipient, notice.channel) == (OWNER, notify_pb2.CHANNEL_EMAIL)
    assert dict(notice.parameters) == {"notice": "sign_up_attempted"}
    assert OWNER not in notice.idempotency_key


# rule I5, X3
def test_the_account_never_verifies_and_hears_only_wrong_code_I5_X3(stub, notify, owner):
    taken = _sign_up(stub, "JaneDoe2", OWNER).account_id
    free = _sign_up(stub, "JaneRoe2", FREE).account_id
    for code in ("000000", "123456", "999999", "424242", notify.code_for(FREE)):
        said, told = _refusal(stub, taken, code), _refusal(stub, free, "000001")
        assert rpc_status.from_call(said) == rpc_status.from_call(told)
    assert _refusal(stub, taken, "000000").code() == grpc.StatusCode.FAILED_PRECONDITION
    account = stub.GetAccount(identity_pb2.GetAccountRequest(account_id=taken), timeout=10)
    assert (account.account.state, account.account.verified_email) == (
        identity_pb2.ACCOUNT_STATE_PENDING,
        "",
    )


# rule X3, I5
def test_a_resend_answers_alike_and_sends_no_code_X3_I5(stub, notify, owner):
    taken = _sign_up(stub, "JaneDoe2", OWNER).account_id
    free = _sign_up(stub, "JaneRoe2", FREE).account_id
    assert _resend(stub, taken) == _resend(stub, free)
    notices = _sent(notify, 5, NOTICE)
    assert [r.recipient for r in _sent(notify, 5, CODE)] == [OWNER, FREE, FREE]
    assert [r.recipient for r in notices] == [OWNER, OWNER]
    # rule I5: the resent "code" verifies nothing either.
    assert _refusal(stub, taken, "000000").code() == grpc.StatusCode.INVALID_ARGUMENT


# rule X3, I6
def test_the_owner_is_told_at_most_once_an_hour_however_often_it_is_tried_X3_I6(
    stub, notify, owner, clock
):
    for username in ("JaneDoe2", "JaneDoe3", "JaneDoe4"):
        _sign_up(stub, username, OWNER)
    clock.shift(timedelta(hours=1))
    _sign_up(stub, "JaneDoe5", OWNER)
    keys = [r.idempotency_key for r in _sent(notify, 5, NOTICE)]
    # Notify sends a key once (N5): three tries in the hour make one email, the next hour one.
    assert len(set(keys[:3])) == 1
    assert keys[3] != keys[0]
