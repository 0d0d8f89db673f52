"""The password reset RPCs of the identity servicer (I8 a): proto to use case and back."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.identity import checks, password_resets
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout


class PasswordResetRpcs:
    """Mixed into IdentityServicer, which provides these attributes and `policy_of`
    (PasswordPolicyRpcs)."""

    _database: Database
    _hashing: PasswordHashing
    _keyring: Keyring
    _lockout: Lockout
    _outbox: Outbox
    _portal_url: str

    def RequestPasswordReset(
        self, request: identity_pb2.RequestPasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.RequestPasswordResetResponse:
        with self._database.transaction() as session:
            password_resets.request_link(
                session, outbox=self._outbox, portal_url=self._portal_url, login=request.login
            )
        return identity_pb2.RequestPasswordResetResponse()

    def CheckPasswordReset(
        self, request: identity_pb2.CheckPasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CheckPasswordResetResponse:
        with self._database.transaction() as session:
            reset = password_resets.open_link(session, token=request.token)
        return identity_pb2.CheckPasswordResetResponse(second_factor_required=reset.totp_on)

    def CompletePasswordReset(
        self, request: identity_pb2.CompletePasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CompletePasswordResetResponse:
        # The hash is made between two transactions: no lock is held while argon2 runs.
        with self._database.transaction() as session:
            reset = password_resets.open_link(session, token=request.token)
        candidate = checks.acceptable_password(
            request.new_password,
            reset.username,
            self.policy_of(reset.practice_id),  # type: ignore[attr-defined]
        )
        new_hash = self._hashing.hash(candidate)
        field = request.WhichOneof("second_factor")
        with self._database.transaction() as session:
            password_resets.complete(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                outbox=self._outbox,
                token=request.token,
                new_hash=new_hash,
                second_factor=(field, getattr(request, field)) if field else None,
            )
        return identity_pb2.CompletePasswordResetResponse()
