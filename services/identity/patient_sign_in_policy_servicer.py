"""The patient sign-in policy RPCs of the identity servicer (I4)."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.db import Database
from services.common.errors import FieldViolation
from services.identity import patient_sign_in_policy
from services.identity.domain import SecondFactorRule
from services.identity.errors import InvalidRequest
from services.identity.staff_servicer import timestamp

RULES = {
    identity_pb2.SECOND_FACTOR_RULE_EVERY_SIGN_IN: SecondFactorRule.EVERY_SIGN_IN,
    identity_pb2.SECOND_FACTOR_RULE_NEW_DEVICE: SecondFactorRule.NEW_DEVICE,
}
RULE_MESSAGES = {rule: value for value, rule in RULES.items()}


def _message(policy: patient_sign_in_policy.Policy) -> identity_pb2.PatientSignInPolicy:
    message = identity_pb2.PatientSignInPolicy(
        practice_id=policy.practice_id,
        second_factor_rule=RULE_MESSAGES[policy.second_factor_rule],
        updated_by=policy.updated_by,
        question_reset_allowed=policy.question_reset_allowed,
        account_information_reset_allowed=policy.account_information_reset_allowed,
    )
    if policy.updated_at is not None:
        message.updated_at.CopyFrom(timestamp(policy.updated_at))
    return message


class PatientSignInPolicyRpcs:
    """Mixed into IdentityServicer, which provides `_database`."""

    _database: Database

    def GetPatientSignInPolicy(
        self, request: identity_pb2.GetPatientSignInPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetPatientSignInPolicyResponse:
        with self._database.transaction() as session:
            policy = patient_sign_in_policy.policy(session, practice_id=request.practice_id)
        return identity_pb2.GetPatientSignInPolicyResponse(policy=_message(policy))

    def SetPatientSignInPolicy(
        self, request: identity_pb2.SetPatientSignInPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetPatientSignInPolicyResponse:
        rule = RULES.get(request.second_factor_rule)
        switches = {
            name: getattr(request, name) if request.HasField(name) else None
            for name in ("question_reset_allowed", "account_information_reset_allowed")
        }
        if rule is None and (
            request.second_factor_rule or all(value is None for value in switches.values())
        ):
            raise InvalidRequest(
                "Choose when patients are asked for their authenticator code, or which reset "
                "ways they may use.",
                violations=[
                    FieldViolation("second_factor_rule", "One of every_sign_in, new_device.")
                ],
            )
        with self._database.transaction() as session:
            policy = patient_sign_in_policy.set_policy(
                session, practice_id=request.practice_id, rule=rule, **switches
            )
        return identity_pb2.SetPatientSignInPolicyResponse(policy=_message(policy))
