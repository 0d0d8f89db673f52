"""Password reset by email link over real gRPC on SQLite and PostgreSQL (I8 a, I6, I11, X3)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import func, select
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.common.context import ACTOR_KEY, CLIENT_ADDRESS_KEY, REQUEST_ID_KEY
from services.identity.models import AuditRecord, PasswordReset
from tests.service.test_account_security_support import active_account, resolves, sign_in
from tests.service.test_identity_account_totp import _code, _turn_on
from tests.service.test_identity_support import error_info, field_violations, jobs_done

NEW_PASSWORD = "Quiet-Harbor-Lamps-77"
RESET_LINK = notify_pb2.TEMPLATE_PASSWORD_RESET_LINK


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def _ask(stub, login: str = "JaneDoe") -> None:
    stub.RequestPasswordReset(identity_pb2.RequestPasswordResetRequest(login=login), timeout=10)


def _links(notify) -> list[str]:
    """The tokens of the reset links sent so far, oldest first."""
    return [
        r.parameters["reset_url"].split("#token=", 1)[1]
        for r in notify.requests
        if r.template == RESET_LINK
    ]


def _newest_link(notify, count: int) -> str:
    notify.wait_for(count)
    return _links(notify)[-1]


def _reset(stub, token: str, password: str = NEW_PASSWORD, **second_factor: str) -> None:
    request = identity_pb2.CompletePasswordResetRequest(
        token=token, new_password=password, **second_factor
    )
    stub.CompletePasswordReset(request, timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule I8
def test_a_link_sent_to_the_account_email_sets_a_new_password_I8(stub, notify, account_id):
    _ask(stub, "JANEDOE")
    link = notify.wait_for(2)[1]  # after the registration's code
    assert (link.recipient, link.template) == ("jane.doe@example.com", RESET_LINK)
    assert link.parameters["minutes_valid"] == "30"
    _reset(stub, _links(notify)[0])
    assert sign_in(stub, password=NEW_PASSWORD).account.account_id == account_id


# rule I8
def test_the_verified_email_asks_for_a_link_too_I8(stub, notify, account_id):
    _ask(stub, "Jane.Doe@Example.com")
    assert notify.wait_for(2)[1].template == RESET_LINK


# rule X3
def test_an_unknown_login_is_answered_alike_and_sends_nothing_X3(stub, notify, account_id):
    known = stub.RequestPasswordReset(
        identity_pb2.RequestPasswordResetRequest(login="JaneDoe"), timeout=10
    )
    unknown = stub.RequestPasswordReset(
        identity_pb2.RequestPasswordResetRequest(login="nobody@example.com"), timeout=10
    )
    assert known == unknown
    notify.wait_for(2)
    assert len(_links(notify)) == 1


# rule X2, X3
def test_each_request_is_audited_with_who_asked_and_from_where_after_the_answer_X2_X3(
    identity, stub, account_id
):
    for request_id, login in (("request-1", "JaneDoe"), ("request-2", "JohnRoe")):
        context = [
            (REQUEST_ID_KEY, request_id),
            (ACTOR_KEY, "anonymous"),
            (CLIENT_ADDRESS_KEY, "203.0.113.9"),
        ]
        request = identity_pb2.RequestPasswordResetRequest(login=login)
        stub.RequestPasswordReset(request, metadata=context, timeout=10)
    jobs_done(identity)
    with identity.database.transaction() as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "account.password_reset.request")
            .order_by(AuditRecord.sequence)
        ).all()
        seen = [(r.target, r.outcome, r.request_id, r.actor, r.client_address) for r in rows]
    assert seen == [
        (f"account:{account_id}", "success", "request-1", "anonymous", "203.0.113.9"),
        ("unknown", "denied", "request-2", "anonymous", "203.0.113.9"),
    ]


# rule I8
def test_a_link_works_once_I8(stub, notify, account_id):
    _ask(stub)
    token = _newest_link(notify, 2)
    _reset(stub, token)
    again = _refused(lambda: _reset(stub, token, password="Another-Harbor-Lamp-88"))
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(again).reason == "RESET_LINK_NOT_VALID"


# rule I8
def test_a_newer_link_makes_the_older_one_stop_working_I8(stub, notify, account_id):
    _ask(stub)
    older = _newest_link(notify, 2)
    _ask(stub)
    _newest_link(notify, 3)
    assert error_info(_refused(lambda: _reset(stub, older))).reason == "RESET_LINK_NOT_VALID"


# rule I8
def test_a_link_expires_after_thirty_minutes_I8(stub, notify, account_id, clock):
    _ask(stub)
    token = _newest_link(notify, 2)
    clock.shift(timedelta(minutes=30, seconds=1))
    assert error_info(_refused(lambda: _reset(stub, token))).reason == "RESET_LINK_NOT_VALID"


# rule I8, I6, I10
def test_a_reset_ends_every_session_and_tells_the_account_email_I8_I6_I10(stub, notify, account_id):
    session = sign_in(stub).session_token
    _ask(stub)
    _reset(stub, _newest_link(notify, 2))
    assert not resolves(stub, session)
    notice = notify.wait_for(3)[2]
    assert notice.parameters["notice"] == "password_reset"


# rule I8, I4
def test_a_remembered_device_is_forgotten_by_a_reset_I8_I4(stub, notify, account_id):
    sign_in(stub, remember_device=True)
    _ask(stub)
    _reset(stub, _newest_link(notify, 2))
    listed = stub.ListRememberedDevices(
        identity_pb2.ListRememberedDevicesRequest(account_id=account_id), timeout=10
    )
    assert list(listed.devices) == []


# rule I8, I2
def test_the_new_password_must_meet_the_policy_I8_I2(stub, notify, account_id):
    _ask(stub)
    weak = _refused(lambda: _reset(stub, _newest_link(notify, 2), password="password1"))
    assert weak.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule I8, I2
def test_a_working_link_names_its_account_and_practice_for_the_password_checklist_I8_I2(
    stub, notify, account_id
):
    _ask(stub)
    check = stub.CheckPasswordReset(
        identity_pb2.CheckPasswordResetRequest(token=_newest_link(notify, 2))
    )
    assert (check.second_factor_required, check.username, check.practice_id) == (
        False,
        "JaneDoe",
        "practice-1",
    )


# rule I8, I4
def test_with_the_app_on_a_reset_needs_its_code_I8_I4(stub, notify, account_id, clock):
    secret, _, confirmed_at = _turn_on(stub, account_id, clock)
    _ask(stub)
    token = _newest_link(notify, 2)
    check = stub.CheckPasswordReset(identity_pb2.CheckPasswordResetRequest(token=token))
    assert check.second_factor_required
    missing = _refused(lambda: _reset(stub, token))
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "totp_code" in field_violations(missing)
    _reset(stub, token, totp_code=_code(secret, confirmed_at, steps=1))
    assert sign_in(stub, password=NEW_PASSWORD).next_step == identity_pb2.SIGN_IN_STEP_SECOND_FACTOR


# rule I8
def test_two_uses_of_one_link_at_once_let_exactly_one_through_I8(stub, notify, account_id):
    _ask(stub)
    token = _newest_link(notify, 2)

    def attempt(password: str) -> bool:
        try:
            _reset(stub, token, password=password)
        except grpc.RpcError as error:
            assert error_info(error).reason == "RESET_LINK_NOT_VALID"
            return False
        return True

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, [NEW_PASSWORD, "Another-Harbor-Lamp-88"]))
    assert sorted(outcomes) == [False, True]


# rule I8, X3
def test_a_fourth_link_within_the_hour_is_not_sent_I8_X3(identity, stub, account_id):
    for _ in range(4):
        _ask(stub)
    jobs_done(identity)
    with identity.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(PasswordReset)) == 3
