"""Account settings over real gRPC: username (I1, I6), password (I2, I10) and notification
email (I5), each needing what I9 asks and leaving an audit record (X2)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.identity.models import AuditRecord
from tests.service.test_account_security_support import active_account, resolves, sign_in
from tests.service.test_identity_support import (
    PASSWORD,
    NotifySink,
    error_info,
    field_violations,
)

NEW_PASSWORD = "Quiet-Harbor-Lights-77"


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def notices_to(notify: NotifySink, recipient: str, count: int) -> list[str]:
    """The notices sent to `recipient`, once `count` notifications in all have arrived."""
    sent = notify.wait_for(count)
    return [
        r.parameters["notice"]
        for r in sent
        if r.template == notify_pb2.TEMPLATE_ACCOUNT_NOTICE and r.recipient == recipient
    ]


def actions(identity, account_id: str) -> list[str]:
    with identity.database.transaction() as session:
        return list(
            session.scalars(
                select(AuditRecord.action).where(AuditRecord.target == f"account:{account_id}")
            )
        )


def change_username(stub, account_id: str, username: str, password: str = PASSWORD):
    return stub.ChangeUsername(
        identity_pb2.ChangeUsernameRequest(
            account_id=account_id, current_password=password, new_username=username
        ),
        timeout=10,
    )


def change_password(stub, account_id: str, token: str, current: str, new: str):
    return stub.ChangeAccountPassword(
        identity_pb2.ChangeAccountPasswordRequest(
            account_id=account_id, session_token=token, current_password=current, new_password=new
        ),
        timeout=10,
    )


# rule I1, I6, I9
def test_username_change_signs_in_by_the_new_name_and_sends_a_notice_I1_I6_I9(
    stub, notify, identity, account_id
):
    changed = change_username(stub, account_id, "Jane.Doe-1984")
    assert changed.settings.username == "Jane.Doe-1984"
    assert sign_in(stub, username="jane.doe-1984").account.account_id == account_id
    # notify got the activation code, then the notice
    assert notices_to(notify, "jane.doe@example.com", 2) == ["username_changed"]
    assert "account.username.change" in actions(identity, account_id)


# rule I1
def test_username_change_to_a_case_variant_of_another_is_refused_I1(stub, notify, account_id):
    active_account(stub, notify, "JohnSmith", "john@example.com")
    error = refused(lambda: change_username(stub, account_id, "JOHNSMITH"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "new_username" in field_violations(error)
    bad = refused(lambda: change_username(stub, account_id, "has space"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "new_username" in field_violations(bad)


# rule I1
def test_two_accounts_taking_one_username_at_once_one_wins_I1(stub, notify, account_id):
    other = active_account(stub, notify, "JohnSmith", "john@example.com")

    def take(pair: tuple[str, str]) -> grpc.StatusCode:
        try:
            change_username(stub, *pair)
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(
            pool.map(take, [(account_id, "SharedName"), (other, "sharedname")]), key=str
        )
    assert outcomes == sorted([grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS], key=str)


# rule I9, I11
def test_username_change_needs_the_password_I9_I11(stub, account_id):
    error = refused(lambda: change_username(stub, account_id, "NewName1", "Wrong-Password-1"))
    assert error_info(error).reason == "WRONG_CURRENT_PASSWORD"
    assert "current_password" in field_violations(error)


# rule I2, I9
def test_password_change_needs_the_current_one_and_the_policy_I2_I9(stub, account_id):
    token = sign_in(stub).session_token
    wrong = refused(lambda: change_password(stub, account_id, token, "Wrong-1234567", NEW_PASSWORD))
    assert error_info(wrong).reason == "WRONG_CURRENT_PASSWORD"
    weak = refused(lambda: change_password(stub, account_id, token, PASSWORD, "password1"))
    assert error_info(weak).reason == "PASSWORD_POLICY"
    same = refused(lambda: change_password(stub, account_id, token, PASSWORD, PASSWORD))
    assert error_info(same).reason == "PASSWORD_UNCHANGED"
    with_name = refused(
        lambda: change_password(stub, account_id, token, PASSWORD, "JaneDoe-x-2024!")
    )
    assert error_info(with_name).metadata["unmet_requirements"] == "not_username"


# rule I2, I6, I10
def test_password_change_ends_every_other_session_and_sends_a_notice_I2_I6_I10(
    stub, notify, identity, account_id
):
    here = sign_in(stub, device_label="laptop").session_token
    elsewhere = sign_in(stub, device_label="phone").session_token
    answer = change_password(stub, account_id, here, PASSWORD, NEW_PASSWORD)
    assert answer.other_sessions_ended == 1
    assert resolves(stub, here) and not resolves(stub, elsewhere)
    assert sign_in(stub, password=NEW_PASSWORD).session_token
    assert refused(lambda: sign_in(stub)).code() == grpc.StatusCode.UNAUTHENTICATED
    assert notices_to(notify, "jane.doe@example.com", 2) == ["password_changed"]
    assert "account.password.change" in actions(identity, account_id)


# rule I5, I9
def test_notification_email_is_validated_set_and_cleared_I5_I9(stub, identity, account_id):
    def set_to(value: str):
        return stub.SetNotificationEmail(
            identity_pb2.SetNotificationEmailRequest(
                account_id=account_id, notification_email=value
            ),
            timeout=10,
        ).settings

    bad = refused(lambda: set_to("not-an-email"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "notification_email" in field_violations(bad)
    settings = set_to(" Family.Inbox@Example.org ")
    assert settings.notification_email == "family.inbox@example.org"
    assert settings.verified_email == "jane.doe@example.com"  # the account email stays
    assert set_to("").notification_email == ""
    assert {"account.notification_email.set", "account.notification_email.clear"} <= set(
        actions(identity, account_id)
    )


# rule I2, I9
def test_a_password_change_follows_the_practices_own_policy_I2_I9(stub, account_id):
    stub.SetPasswordPolicy(
        identity_pb2.SetPasswordPolicyRequest(
            practice_id="practice-1",
            policy=identity_pb2.PasswordPolicy(min_length=12, require_digit=True),
        ),
        timeout=10,
    )
    token = sign_in(stub).session_token
    no_digit = refused(
        lambda: change_password(stub, account_id, token, PASSWORD, "Quiet-Harbor-Lamps-Glow")
    )
    assert error_info(no_digit).metadata["unmet_requirements"] == "digit"
