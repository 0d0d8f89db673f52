"""The identity service as the enrollment service sees it: register and verify accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.clients import domain_error_from_rpc

CHANNEL_NAMES = {
    identity_pb2.VERIFICATION_CHANNEL_EMAIL: "email",
    identity_pb2.VERIFICATION_CHANNEL_SMS: "sms",
}


@dataclass(frozen=True)
class Registration:
    account_id: str
    code_channel: str
    code_destination_hint: str


class IdentityAccounts:
    """Calls identity over gRPC; its failures come back as the same domain errors."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)

    def register(
        self,
        *,
        idempotency_key: str,
        username: str,
        password: str,
        email: str,
        cell_phone: str,
        practice_id: str,
        pending_until: datetime,
        replaces: Sequence[str],
    ) -> Registration:
        """Registers a pending account and has its verification code sent (idempotent by key).
        It may be activated until `pending_until`; the pending accounts it `replaces` go."""
        request = identity_pb2.RegisterAccountRequest(
            idempotency_key=idempotency_key,
            username=username,
            password=password,
            email=email,
            cell_phone=cell_phone,
            practice_id=practice_id,
            replaces_account_ids=replaces,
        )
        request.pending_until.FromDatetime(pending_until)
        try:
            answer = self._stub.RegisterAccount(request)
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return Registration(
            answer.account_id,
            CHANNEL_NAMES.get(answer.code_channel, ""),
            answer.code_destination_hint,
        )

    def resend_code(self, *, account_id: str) -> Registration:
        """Has a new verification code sent to the pending account; older codes stop working."""
        try:
            answer = self._stub.ResendVerificationCode(
                identity_pb2.ResendVerificationCodeRequest(account_id=account_id)
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return Registration(
            account_id, CHANNEL_NAMES.get(answer.code_channel, ""), answer.code_destination_hint
        )

    def verify(self, *, account_id: str, code: str) -> None:
        """Confirms the account's code; succeeds again for an account already active."""
        try:
            self._stub.VerifyAccount(
                identity_pb2.VerifyAccountRequest(account_id=account_id, code=code)
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
