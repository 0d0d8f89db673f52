"""Identity service over real gRPC: passwords, registration, verification codes (I1, I2, I5, N2)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import select, update
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from services.common.db import utcnow
from services.common.outbox import Outbox
from services.identity import repository, service
from services.identity.errors import UsernameTaken
from services.identity.models import Account, OutboxMessage, Verification
from tests.service.test_identity_support import (
    PASSWORD,
    UNREACHABLE_NOTIFY,
    error_info,
    field_violations,
    registration,
    start_identity,
)


def _refused(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(request, timeout=10)
    return raised.value


def test_health_reports_serving(identity):
    with grpc.insecure_channel(identity.address) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="vestibule.identity.v1.IdentityService"),
            timeout=5,
        )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


# rule I2
def test_checker_answers_each_requirement_I2(stub):
    answer = stub.CheckPassword(
        identity_pb2.CheckPasswordRequest(password="janedoe-password", username="JaneDoe"),
        timeout=5,
    )
    assert [(r.name, r.met) for r in answer.requirements] == [
        ("min_length", True),
        ("max_length", True),
        ("not_common", True),
        ("not_username", False),
    ]
    assert answer.requirements[0].description == "At least 12 characters"
    assert not answer.acceptable


# rule I2
def test_common_password_refused_at_registration_I2(stub):
    error = _refused(stub.RegisterAccount, registration(password="Password1234"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(error).metadata["unmet_requirements"] == "not_common"


# rule I2
def test_stored_hash_is_argon2id_not_the_password_I2(identity, stub):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    with identity.database.transaction() as session:
        stored = session.get(Account, account_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# rule I1
def test_username_case_variants_collide_I1(stub):
    stub.RegisterAccount(registration("JaneDoe"), timeout=10)
    error = _refused(stub.RegisterAccount, registration("janedoe", email="other@example.com"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "username" in field_violations(error)
    assert "Choose another" in error.details()


# rule I1
def test_parallel_case_variant_registrations_one_wins_I1(stub):
    requests = [registration("JaneDoe"), registration("janedoe", email="jd@example.com")]

    def register(request) -> grpc.StatusCode:
        try:
            stub.RegisterAccount(request, timeout=20)
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = set(pool.map(register, requests))
    assert outcomes == {grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS}


# rule N2
def test_retry_with_same_key_returns_same_account_and_sends_once_N2(stub, notify, identity):
    request = registration()
    first = stub.RegisterAccount(request, timeout=10)
    again = stub.RegisterAccount(request, timeout=10)
    assert again == first
    sent = notify.wait_for(1)
    assert sent[0].template == notify_pb2.TEMPLATE_VERIFICATION_CODE
    assert sent[0].channel == notify_pb2.CHANNEL_EMAIL
    assert sent[0].parameters["minutes_valid"] == "10"
    with identity.database.transaction() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


# rule N2, I5
def test_code_arrives_at_notify_exactly_once_and_activates_account_N2_I5(stub, notify):
    registered = stub.RegisterAccount(registration(email="Jane.Doe@Example.COM"), timeout=10)
    assert registered.code_channel == identity_pb2.VERIFICATION_CHANNEL_EMAIL
    assert registered.code_destination_hint == "j***@example.com"
    code = notify.code_for("jane.doe@example.com")
    verified = stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=registered.account_id, code=code), timeout=10
    )
    assert verified.account.state == identity_pb2.ACCOUNT_STATE_ACTIVE
    assert verified.account.verified_email == "jane.doe@example.com"
    assert len(notify.requests) == 1


# rule N2
def test_outbox_holds_only_a_sealed_payload_N2(start_service, shared_settings):
    identity = start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)
    with grpc.insecure_channel(identity.address) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        account_id = stub.RegisterAccount(registration(), timeout=10).account_id
        with identity.database.transaction() as session:
            payload = session.scalars(select(OutboxMessage.payload)).one()
        request = notify_pb2.SendNotificationRequest.FromString(
            shared_settings.keyring().unseal(payload)
        )
        code = request.parameters["code"]
        assert code.isdigit() and len(code) == 6
        assert code.encode() not in payload and b"jane.doe" not in payload
        verified = stub.VerifyAccount(
            identity_pb2.VerifyAccountRequest(account_id=account_id, code=code), timeout=10
        )
    assert verified.account.state == identity_pb2.ACCOUNT_STATE_ACTIVE


# rule I11
def test_wrong_code_is_invalid_argument_with_attempts_left_I11(stub):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    error = _refused(
        stub.VerifyAccount, identity_pb2.VerifyAccountRequest(account_id=account_id, code="x")
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "code" in field_violations(error)
    assert "4 attempt(s) left" in error.details()


# rule I11
def test_code_stops_working_after_five_wrong_attempts_I11(stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    code = notify.code_for("jane.doe@example.com")
    wrong = identity_pb2.VerifyAccountRequest(account_id=account_id, code="wrong")
    for _ in range(5):
        assert _refused(stub.VerifyAccount, wrong).code() == grpc.StatusCode.INVALID_ARGUMENT
    right = identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
    error = _refused(stub.VerifyAccount, right)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "new code" in error.details()


# rule I11
def test_expired_code_asks_for_a_new_one_I11(identity, stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    code = notify.code_for("jane.doe@example.com")
    with identity.database.transaction() as session:
        session.execute(update(Verification).values(expires_at=utcnow() - timedelta(seconds=1)))
    error = _refused(
        stub.VerifyAccount, identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "new code" in error.details()


def test_verifying_an_active_account_again_succeeds(stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    code = notify.code_for("jane.doe@example.com")
    request = identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
    stub.VerifyAccount(request, timeout=10)
    again = stub.VerifyAccount(identity_pb2.VerifyAccountRequest(account_id=account_id), timeout=10)
    assert again.account.state == identity_pb2.ACCOUNT_STATE_ACTIVE


def _codes_by_account(identity, notify, count: int) -> dict[str, str]:
    sent = notify.wait_for(count)
    with identity.database.transaction() as session:
        owners = dict(session.execute(select(Verification.id, Verification.account_id)).all())
    return {
        owners[r.idempotency_key.removeprefix("verification:")]: r.parameters["code"] for r in sent
    }


# rule I5
def test_email_verified_for_another_account_is_refused_I5(identity, stub, notify):
    first = stub.RegisterAccount(registration("JaneDoe"), timeout=10).account_id
    second = stub.RegisterAccount(registration("JaneDoe2"), timeout=10).account_id
    codes = _codes_by_account(identity, notify, 2)
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=first, code=codes[first]), timeout=10
    )
    error = _refused(
        stub.VerifyAccount, identity_pb2.VerifyAccountRequest(account_id=second, code=codes[second])
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "email" in field_violations(error)


# rule N2
def test_code_goes_by_sms_without_email_N2(stub, notify):
    registered = stub.RegisterAccount(
        registration(email="", cell_phone="+1 415 555 2671"), timeout=10
    )
    assert registered.code_channel == identity_pb2.VERIFICATION_CHANNEL_SMS
    assert registered.code_destination_hint == "***-***-2671"
    sent = notify.wait_for(1)[0]
    assert (sent.channel, sent.recipient) == (notify_pb2.CHANNEL_SMS, "+14155552671")


def test_get_account_of_unknown_id_is_not_found(stub):
    error = _refused(stub.GetAccount, identity_pb2.GetAccountRequest(account_id="nobody"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_get_account_returns_username_as_typed(stub):
    account_id = stub.RegisterAccount(registration("JaneDoe"), timeout=10).account_id
    account = stub.GetAccount(identity_pb2.GetAccountRequest(account_id=account_id), timeout=5)
    assert (account.account.username, account.account.state) == (
        "JaneDoe",
        identity_pb2.ACCOUNT_STATE_PENDING,
    )


# rule I1
def test_unique_constraint_catches_a_race_the_check_missed_I1(
    identity, stub, shared_settings, monkeypatch
):
    stub.RegisterAccount(registration("JaneDoe"), timeout=10)
    # As if the other registration committed between this one's check and its insert.
    monkeypatch.setattr(repository, "account_by_username_key", lambda session, key: None)
    new = service.NewAccount(
        username="janedoe", password_hash="unused", email=None, cell_phone="+14155552671"
    )
    keyring = shared_settings.keyring()
    with pytest.raises(UsernameTaken), identity.database.transaction() as session:
        service.register_account(
            session,
            outbox=Outbox(OutboxMessage, keyring, channels={}),
            keyring=keyring,
            idempotency_key="another-request",
            practice_id="practice-1",
            new=new,
        )
