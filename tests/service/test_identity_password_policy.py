"""Each practice's password policy (I2): a minimum of 8 to 64 characters, default 12, and
composition rules only when the practice turns them on; checked, enforced and audited."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.identity.models import AuditRecord
from tests.service.test_identity_support import registration

TEN_CHARACTERS = "heron-dawn"  # 10 characters, not common


def set_policy(stub, practice_id="practice-1", **policy):
    return stub.SetPasswordPolicy(
        identity_pb2.SetPasswordPolicyRequest(
            practice_id=practice_id,
            policy=identity_pb2.PasswordPolicy(**{"min_length": 12, **policy}),
        ),
        timeout=10,
    )


def requirements(stub, password, practice_id=""):
    answer = stub.CheckPassword(
        identity_pb2.CheckPasswordRequest(password=password, practice_id=practice_id), timeout=10
    )
    return {r.name: r.met for r in answer.requirements}


# rule I2
def test_the_default_policy_asks_twelve_characters_and_no_composition_I2(stub):
    policy = stub.GetPasswordPolicy(
        identity_pb2.GetPasswordPolicyRequest(practice_id="practice-1"), timeout=10
    ).policy
    assert (policy.min_length, policy.require_mixed_case, policy.require_digit) == (
        12,
        False,
        False,
    )
    assert set(requirements(stub, "x")) == {
        "min_length",
        "max_length",
        "not_common",
        "not_username",
    }


# rule I2
def test_a_practice_may_lower_the_minimum_for_its_own_passwords_only_I2(stub):
    set_policy(stub, min_length=8)
    assert requirements(stub, TEN_CHARACTERS, practice_id="practice-1")["min_length"]
    assert not requirements(stub, TEN_CHARACTERS, practice_id="practice-2")["min_length"]


# rule I2
def test_registration_meets_the_practice_policy_I2(stub):
    set_policy(stub, min_length=8)
    answer = stub.RegisterAccount(registration("JaneDoe", password=TEN_CHARACTERS), timeout=10)
    assert answer.account_id


# rule I2
def test_a_minimum_below_eight_is_refused_naming_the_field_I2(stub):
    with pytest.raises(grpc.RpcError) as refused:
        set_policy(stub, min_length=7)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "8 to 64" in refused.value.details()


# rule I2
def test_composition_rules_apply_only_once_turned_on_I2(stub):
    set_policy(stub, require_mixed_case=True, require_digit=True, require_symbol=True)
    met = requirements(stub, "all lower case words", practice_id="practice-1")
    assert (met["mixed_case"], met["digit"], met["symbol"]) == (False, False, True)
    assert requirements(stub, "Blue heron 7", practice_id="practice-1")["mixed_case"]


# rule I2, X2
def test_a_policy_change_is_audited_I2_X2(identity, stub):
    set_policy(stub, min_length=10)
    with identity.database.transaction() as session:
        [record] = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "practice.password_policy.update")
        ).all()
    assert (record.practice_id, record.details["min_length"]) == ("practice-1", "10")
