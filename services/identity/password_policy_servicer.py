"""The password-policy RPCs of the identity servicer (I2)."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.db import Database
from services.identity import password_policy
from services.identity.passwords import PasswordPolicy


def _message(policy: PasswordPolicy) -> identity_pb2.PasswordPolicy:
    return identity_pb2.PasswordPolicy(
        min_length=policy.min_length,
        require_mixed_case=policy.require_mixed_case,
        require_digit=policy.require_digit,
        require_symbol=policy.require_symbol,
    )


class PasswordPolicyRpcs:
    """Mixed into IdentityServicer, which provides `_database`."""

    _database: Database

    def policy_of(self, practice_id: str) -> PasswordPolicy:
        """The policy a password for this practice must meet (read in its own transaction,
        before hashing, which happens outside any transaction)."""
        with self._database.transaction() as session:
            return password_policy.for_practice(session, practice_id)

    def GetPasswordPolicy(
        self, request: identity_pb2.GetPasswordPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetPasswordPolicyResponse:
        return identity_pb2.GetPasswordPolicyResponse(
            policy=_message(self.policy_of(request.practice_id))
        )

    def SetPasswordPolicy(
        self, request: identity_pb2.SetPasswordPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetPasswordPolicyResponse:
        wanted = PasswordPolicy(
            min_length=request.policy.min_length,
            require_mixed_case=request.policy.require_mixed_case,
            require_digit=request.policy.require_digit,
            require_symbol=request.policy.require_symbol,
        )
        with self._database.transaction() as session:
            policy = password_policy.set_for_practice(
                session, practice_id=request.practice_id, policy=wanted
            )
        return identity_pb2.SetPasswordPolicyResponse(policy=_message(policy))
