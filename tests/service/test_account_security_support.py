"""Helpers for the patient account security tests: an active account, sign-in, resolution."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from tests.service.test_identity_support import PASSWORD, NotifySink, registration

Stub = identity_pb2_grpc.IdentityServiceStub


def active_account(
    stub: Stub, notify: NotifySink, username: str = "JaneDoe", email: str = "jane.doe@example.com"
) -> str:
    """Registers and verifies an account with PASSWORD and a verified email; returns its ID."""
    registered = stub.RegisterAccount(registration(username, email=email), timeout=10)
    code = notify.code_for(email)
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=registered.account_id, code=code), timeout=10
    )
    return registered.account_id


def sign_in(
    stub: Stub, username: str = "JaneDoe", password: str = PASSWORD, **fields: str
) -> identity_pb2.SignInResponse:
    request = identity_pb2.SignInRequest(
        username=username, password=password, device_label=fields.pop("device_label", "phone")
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return stub.SignIn(request, timeout=10)


def resolves(stub: Stub, token: str) -> bool:
    """Whether the session token still resolves (False when it has ended)."""
    try:
        stub.ResolveSession(identity_pb2.ResolveSessionRequest(session_token=token), timeout=5)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False
    return True
