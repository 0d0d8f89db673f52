"""Identity over real gRPC: the code that activates an account opens its first session when
asked, so a patient who has just activated lands signed in (E9, E12), under identity's session
rules: audited, with what the account must do first (I3), and never twice."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.identity.models import AuditRecord, AuthSession
from tests.service.test_identity_support import registration

DEVICE = "Firefox on Linux"


def _verify(stub, account_id: str, code: str, *, open_session: bool = True):
    return stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(
            account_id=account_id, code=code, open_session=open_session, device_label=DEVICE
        ),
        timeout=10,
    )


@pytest.fixture
def registered(stub, notify) -> tuple[str, str]:
    """A pending account and the code it was sent."""
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    return account_id, notify.code_for("jane.doe@example.com")


# rule E9, I3, I10
def test_the_code_that_activates_an_account_opens_its_first_session_E9_I3_I10(stub, registered):
    verified = _verify(stub, *registered)

    assert verified.session_token
    assert verified.factors == "activation_code"
    assert list(verified.required_actions) == ["set_security_questions"]
    resolved = stub.ResolveSession(
        identity_pb2.ResolveSessionRequest(session_token=verified.session_token), timeout=5
    )
    assert resolved.principal_id == registered[0]
    assert list(resolved.required_actions) == ["set_security_questions"]


# rule E9, X2
def test_the_first_session_is_audited_as_a_sign_in_on_its_device_E9_X2(stub, identity, registered):
    _verify(stub, *registered)

    with identity.database.transaction() as session:
        opened = session.scalars(select(AuthSession)).one()
        signed_in = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "account.sign_in")
        ).one()
        assert (opened.device_label, opened.factors) == (DEVICE, "activation_code")
        assert signed_in.target == f"account:{registered[0]}"


# rule E9, I11
def test_confirming_an_active_account_again_opens_no_session_E9_I11(stub, registered):
    _verify(stub, *registered)

    again = _verify(stub, registered[0], "000000")

    assert again.account.state == identity_pb2.ACCOUNT_STATE_ACTIVE
    assert again.session_token == ""


# rule E9
def test_a_session_opens_only_when_asked_E9(stub, identity, registered):
    verified = _verify(stub, *registered, open_session=False)

    assert verified.session_token == ""
    with identity.database.transaction() as session:
        assert session.scalars(select(AuthSession)).all() == []


# rule I11
def test_a_wrong_code_opens_no_session_I11(stub, identity, registered):
    with pytest.raises(grpc.RpcError) as raised:
        _verify(stub, registered[0], "000000" if registered[1] != "000000" else "111111")

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with identity.database.transaction() as session:
        assert session.scalars(select(AuthSession)).all() == []
