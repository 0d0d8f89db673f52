"""The identity service as proxy sees it: an invitee's new account, registered pending and
then verified (P1, P3), and an account's email, to refuse a self-invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.clients import domain_error_from_rpc


@dataclass(frozen=True)
class FirstSession:
    """The session identity opened with the code that activated the account: its token is a
    secret shown once, passed on to the invitee and kept nowhere here."""

    token: str
    expires_at: datetime | None
    factors: str
    required_actions: tuple[str, ...]


class IdentityAccounts:
    """Calls identity over gRPC; its failures come back as the same domain errors."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)

    def register(
        self, *, idempotency_key: str, username: str, password: str, email: str, practice_id: str
    ) -> tuple[str, str]:
        """Registers a pending account whose code goes by email (idempotent by key); answers
        the account ID and the hidden email the code went to."""
        try:
            answer = self._stub.RegisterAccount(
                identity_pb2.RegisterAccountRequest(
                    idempotency_key=idempotency_key,
                    username=username,
                    password=password,
                    email=email,
                    practice_id=practice_id,
                )
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return answer.account_id, answer.code_destination_hint

    def verify(self, *, account_id: str, code: str, device_label: str) -> FirstSession | None:
        """Confirms the account's code and answers the first session identity opened with it,
        on `device_label`; succeeds again, with no session, for an account already active."""
        try:
            answer = self._stub.VerifyAccount(
                identity_pb2.VerifyAccountRequest(
                    account_id=account_id, code=code, open_session=True, device_label=device_label
                )
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        if not answer.session_token:
            return None
        return FirstSession(
            token=answer.session_token,
            expires_at=answer.expires_at.ToDatetime(tzinfo=UTC)
            if answer.HasField("expires_at")
            else None,
            factors=answer.factors,
            required_actions=tuple(answer.required_actions),
        )

    def resend_code(self, account_id: str) -> str:
        """A new code for the pending account; answers the hidden email it went to."""
        try:
            answer = self._stub.ResendVerificationCode(
                identity_pb2.ResendVerificationCodeRequest(account_id=account_id)
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return answer.code_destination_hint

    def email_of(self, account_id: str) -> str:
        """The account's verified email, or empty (also for an unknown account)."""
        try:
            answer = self._stub.GetAccount(identity_pb2.GetAccountRequest(account_id=account_id))
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                return ""
            raise domain_error_from_rpc(error) from None
        return answer.account.verified_email
