"""Account email and cell phone changes over real gRPC: a code to the new value first (I5, N2),
a notice to the old address (I6), one verified owner per address under concurrency (I5)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from tests.service.test_account_security_support import active_account
from tests.service.test_identity_support import (
    PASSWORD,
    NotifySink,
    error_info,
    field_violations,
)

NEW_EMAIL = "jane.new@example.org"


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def codes_to(notify: NotifySink, recipient: str, count: int = 1) -> list[str]:
    """The codes sent to `recipient`, in order, once `count` have arrived."""
    with notify._arrived:
        assert notify._arrived.wait_for(
            lambda: len([r for r in notify.requests if r.recipient == recipient]) >= count, 10
        )
        return [
            r.parameters["code"]
            for r in notify.requests
            if r.recipient == recipient and r.template == notify_pb2.TEMPLATE_VERIFICATION_CODE
        ]


def start_email(stub, account_id: str, email: str = NEW_EMAIL, password: str = PASSWORD):
    return stub.StartEmailChange(
        identity_pb2.StartEmailChangeRequest(
            account_id=account_id, current_password=password, new_email=email
        ),
        timeout=10,
    )


def confirm_email(stub, account_id: str, code: str):
    return stub.ConfirmEmailChange(
        identity_pb2.ConfirmEmailChangeRequest(account_id=account_id, code=code), timeout=10
    )


def settings(stub, account_id: str):
    return stub.GetAccountSettings(
        identity_pb2.GetAccountSettingsRequest(account_id=account_id), timeout=5
    ).settings


# rule I5, I9, N2
def test_a_new_email_becomes_the_account_email_only_once_verified_I5_I9_N2(
    stub, notify, account_id
):
    sent = start_email(stub, account_id)
    assert sent.code_destination_hint == "j***@example.org"
    pending = settings(stub, account_id)
    assert (pending.verified_email, pending.pending_email) == ("jane.doe@example.com", NEW_EMAIL)
    [code] = codes_to(notify, NEW_EMAIL)
    wrong = refused(lambda: confirm_email(stub, account_id, "000000" if code != "000000" else "1"))
    assert error_info(wrong).reason == "WRONG_CODE"
    assert settings(stub, account_id).verified_email == "jane.doe@example.com"
    confirmed = confirm_email(stub, account_id, code).settings
    assert (confirmed.verified_email, confirmed.pending_email) == (NEW_EMAIL, "")


# rule I6
def test_the_old_verified_address_gets_the_email_changed_notice_I6(stub, notify, account_id):
    start_email(stub, account_id)
    confirm_email(stub, account_id, codes_to(notify, NEW_EMAIL)[0])
    sent = notify.wait_for(3)  # activation code, new-address code, notice
    [notice] = [r for r in sent if r.template == notify_pb2.TEMPLATE_ACCOUNT_NOTICE]
    assert (notice.recipient, notice.parameters["notice"]) == (
        "jane.doe@example.com",
        "email_changed",
    )


# rule I5, I9
def test_email_change_needs_the_password_and_a_valid_free_address_I5_I9(stub, notify, account_id):
    wrong = refused(lambda: start_email(stub, account_id, password="Wrong-Password-1"))
    assert "current_password" in field_violations(wrong)
    malformed = refused(lambda: start_email(stub, account_id, email="jane@"))
    assert "email" in field_violations(malformed)
    active_account(stub, notify, "JohnSmith", "john@example.com")
    taken = refused(lambda: start_email(stub, account_id, email="John@Example.com"))
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS


# rule I5
def test_two_accounts_verifying_one_email_at_once_exactly_one_wins_I5(stub, notify, account_id):
    other = active_account(stub, notify, "JohnSmith", "john@example.com")
    shared = "family@example.net"
    start_email(stub, account_id, shared)
    start_email(stub, other, shared)
    first, second = codes_to(notify, shared, 2)

    def confirm(pair: tuple[str, str]) -> grpc.StatusCode:
        try:
            confirm_email(stub, *pair)
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(confirm, [(account_id, first), (other, second)]))
    assert sorted(outcomes, key=str) == sorted(
        [grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS], key=str
    )
    owners = [a for a in (account_id, other) if settings(stub, a).verified_email == shared]
    assert len(owners) == 1


# rule N2, I9
def test_a_cell_phone_is_verified_by_an_sms_code_before_it_is_stored_N2_I9(
    stub, notify, account_id
):
    def start(phone: str):
        return stub.StartCellPhoneChange(
            identity_pb2.StartCellPhoneChangeRequest(
                account_id=account_id, current_password=PASSWORD, cell_phone=phone
            ),
            timeout=10,
        )

    bad = refused(lambda: start("555-0142"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cell_phone" in field_violations(bad)
    assert start("+1 312 555 0142").code_destination_hint == "***-***-0142"
    sms = [r for r in notify.wait_for(2) if r.recipient == "+13125550142"]
    assert sms[0].channel == notify_pb2.CHANNEL_SMS
    assert settings(stub, account_id).cell_phone_hint == ""  # not stored before the code
    again = refused(lambda: start("+1 312 555 0143"))
    assert again.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # codes are throttled (I11)
    confirmed = stub.ConfirmCellPhoneChange(
        identity_pb2.ConfirmCellPhoneChangeRequest(
            account_id=account_id, code=sms[0].parameters["code"]
        ),
        timeout=10,
    )
    assert confirmed.settings.cell_phone_hint == "***-***-0142"
